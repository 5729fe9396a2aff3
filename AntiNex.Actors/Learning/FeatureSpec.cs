using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>One model input column, fitted on training rows: log1p flag, min/max (numeric) or vocabulary (categorical).</summary>
public sealed record FeatureSpec
{
    public string Name { get; init; } = "";
    public bool Categorical { get; init; }
    public bool Log { get; init; }
    public double Min { get; init; }
    public double Max { get; init; }
    /// <summary>Training-row values in ordinal order; one extra "other" slot follows for unseen values.</summary>
    public IReadOnlyList<string> Vocabulary { get; init; } = [];
    /// <summary>standard: mean/std; robust: median/IQR (after log1p when Log).</summary>
    public double Center { get; init; }
    public double Spread { get; init; } = 1;
    /// <summary>quantile scaler: 101 training-row quantiles (0 %, 1 %, ..., 100 %).</summary>
    public IReadOnlyList<double>? Quantiles { get; init; }
    /// <summary>ple scaler: bin edges (training-row quantiles, distinct, ascending); the column becomes one input per bin.
    /// Absent from the artifact otherwise, so other models' artifacts are written byte for byte as before.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? Edges { get; init; }
    /// <summary>Constant on the training rows (dropped when a scaler kind is given): not a network input.</summary>
    public bool Dropped { get; init; }
    public int Width => Dropped ? 0 : Categorical ? Vocabulary.Count + 1 : Edges is { Count: >= 2 } e ? e.Count - 1 : 1;
}
