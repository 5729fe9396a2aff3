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
}
