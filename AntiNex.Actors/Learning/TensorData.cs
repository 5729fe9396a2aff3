namespace AntiNex.Learning;

/// <summary>Training data as the network sees it: row-major features, class indices or (scaled) targets.</summary>
/// <remarks>With <see cref="Index"/>, row i is row Index[i] of X (a split of a <see cref="DatasetMatrix"/>, not a copy);
/// without, X holds exactly Rows rows.</remarks>
internal sealed record TensorData(float[] X, int Rows, int Width, int[]? Classes, float[]? Targets)
{
    public int[]? Index { get; init; }

    /// <summary>Where row i lies in X.</summary>
    public int RowOf(int i) => Index is null ? i : Index[i];

    /// <summary>X's own row count (the whole matrix for an indexed split).</summary>
    public int StoredRows => X.Length / Math.Max(1, Width);
}
