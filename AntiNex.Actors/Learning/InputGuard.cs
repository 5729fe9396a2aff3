namespace AntiNex.Learning;

/// <summary>
/// Rows that cannot be scored: a value beyond <see cref="FeaturePipeline"/>'s clip bound (far outside the training
/// range: the network never saw anything like it, and an attacker could pick whatever it says there), a NaN, or,
/// defensively, a network output that is not finite. Such a row is "unscorable": NaN inputs are zeroed so the batch
/// stays finite, and the decision treats it as an alarm (never the normal class, see <see cref="TrainedModel"/>), with
/// a flag on the row.
/// </summary>
internal static class InputGuard
{
    /// <summary>Flags rows of the row-major matrix holding a non-finite value and zeroes those values; null when every
    /// value is finite (the usual case: one pass, no allocation).</summary>
    public static bool[]? SanitizeInputs(float[] x, int rows, int width)
    {
        bool[]? flags = null;
        for (int i = 0; i < rows; i++)
        {
            var row = x.AsSpan(i * width, width);
            for (int j = 0; j < row.Length; j++)
            {
                if (float.IsFinite(row[j])) continue;
                row[j] = 0f;
                (flags ??= new bool[rows])[i] = true;
            }
        }
        return flags;
    }

    /// <summary>Adds the rows whose network outputs are not all finite to <paramref name="flags"/> (created when needed).</summary>
    public static bool[]? FlagNonFiniteOutputs(float[] outputs, int rows, bool[]? flags)
    {
        if (rows == 0) return flags;
        int k = outputs.Length / rows;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < k; j++)
                if (!float.IsFinite(outputs[i * k + j])) { (flags ??= new bool[rows])[i] = true; break; }
        return flags;
    }
}
