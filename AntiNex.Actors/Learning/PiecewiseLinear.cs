namespace AntiNex.Learning;

/// <summary>
/// Piecewise-linear encoding of a numeric column (Gorishniy, Rubachev, Babenko, "On Embeddings for Numerical Features in
/// Tabular Deep Learning", NeurIPS 2022): bins between training-row quantiles; input t is 0 below bin t, 1 above it and
/// the position inside it in between. The first input may go below 0 and the last above 1 for values outside the
/// training range (already clipped by the pipeline's rule). A dense network then sees a monotone, piecewise-linear
/// code of each value, which lets it draw sharp, tree-like thresholds.
/// </summary>
internal static class PiecewiseLinear
{
    public const int Bins = 8;

    /// <summary>Distinct quantiles at 0, 1/Bins, ..., 1 of the training values; a constant column gets one edge (one plain input).</summary>
    public static IReadOnlyList<double> Edges(double[] values)
    {
        if (values.Length == 0) return [0];
        var sorted = values.Order().ToArray();
        var edges = new List<double>();
        for (int b = 0; b <= Bins; b++)
        {
            var pos = (double)b / Bins * (sorted.Length - 1);
            int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
            var q = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
            if (edges.Count == 0 || q > edges[^1]) edges.Add(q);
        }
        return edges;
    }

    public static void Encode(IReadOnlyList<double> edges, double v, Span<float> destination)
    {
        int bins = edges.Count - 1;
        if (bins < 1) { destination[0] = 0f; return; }
        for (int t = 0; t < bins; t++)
        {
            double e = (v - edges[t]) / (edges[t + 1] - edges[t]);
            if (t > 0) e = Math.Max(e, 0);
            if (t < bins - 1) e = Math.Min(e, 1);
            destination[t] = (float)e;
        }
    }
}
