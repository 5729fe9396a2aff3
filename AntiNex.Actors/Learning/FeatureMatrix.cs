namespace AntiNex.Learning;

/// <summary>One block of rows as the network sees them: row-major float [Rows x Width], targets per row.</summary>
public sealed record FeatureMatrix
{
    /// <summary>"train", the request's test_dataset path (or "held-out split"), or an extra test file's path.</summary>
    public required string Name { get; init; }
    public required float[] X { get; init; }
    public required int Rows { get; init; }
    public required int Width { get; init; }
    /// <summary>Classification: class index per row (-1: a class value the training rows lack). Empty for regression.</summary>
    public int[] Classes { get; init; } = [];
    /// <summary>The target value per row: class value (classification) or the raw regression target.</summary>
    public required double[] Targets { get; init; }
    /// <summary>Source row numbers (as in predictions), so a row can be traced back to its file.</summary>
    public required int[] RowIds { get; init; }

    public ReadOnlySpan<float> Row(int i) => X.AsSpan(i * Width, Width);

    /// <summary>These rows in the order given (positions in this matrix).</summary>
    public FeatureMatrix Select(IReadOnlyList<int> order)
    {
        var x = new float[order.Count * Width];
        for (int i = 0; i < order.Count; i++) Row(order[i]).CopyTo(x.AsSpan(i * Width, Width));
        return this with
        {
            X = x,
            Rows = order.Count,
            Classes = Classes.Length == 0 ? [] : order.Select(i => Classes[i]).ToArray(),
            Targets = order.Select(i => Targets[i]).ToArray(),
            RowIds = order.Select(i => RowIds[i]).ToArray(),
        };
    }
}
