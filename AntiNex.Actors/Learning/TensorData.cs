namespace AntiNex.Learning;

/// <summary>Training data as the network sees it: row-major features, class indices or (scaled) targets.</summary>
/// <remarks>With <see cref="Index"/>, row i is row Index[i] of X (a split of a <see cref="DatasetMatrix"/>, not a copy);
/// without, X holds exactly Rows rows. Readers of X that know nothing of the index take <see cref="Dense"/>.</remarks>
internal sealed record TensorData(float[] X, int Rows, int Width, int[]? Classes, float[]? Targets)
{
    public int[]? Index { get; init; }

    /// <summary>The rows whose class the model knows (a test file may hold classes the training rows lack: index -1);
    /// null when none is left. Rows are not copied: the result indexes the same X.</summary>
    public TensorData? KnownClassesOnly()
    {
        if (Classes is null || !Classes.Any(c => c < 0)) return this;
        var keep = Enumerable.Range(0, Rows).Where(i => Classes[i] >= 0).ToArray();
        if (keep.Length == 0) return null;
        return this with { Rows = keep.Length, Classes = keep.Select(i => Classes[i]).ToArray(), Index = keep.Select(RowOf).ToArray() };
    }

    /// <summary>Where row i lies in X.</summary>
    public int RowOf(int i) => Index is null ? i : Index[i];

    /// <summary>X's own row count (the whole matrix for an indexed split).</summary>
    public int StoredRows => X.Length / Math.Max(1, Width);

    /// <summary>Exactly Rows rows, contiguous: X itself, or an indexed split's rows copied out (for the rare readers that
    /// need one block, e.g. the novelty detector).</summary>
    public float[] Dense()
    {
        if (Index is null) return X;
        var x = new float[(long)Rows * Width];
        CopyRows(0, Rows, x);
        return x;
    }

    /// <summary>Rows [start, start + count) copied into the front of <paramref name="destination"/>.</summary>
    public void CopyRows(int start, int count, Span<float> destination)
    {
        if (Index is null)
        {
            X.AsSpan(start * Width, count * Width).CopyTo(destination);
            return;
        }
        for (int i = 0; i < count; i++) X.AsSpan(Index[start + i] * Width, Width).CopyTo(destination.Slice(i * Width, Width));
    }
}
