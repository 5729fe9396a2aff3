// What a predict answers: one sample per row plus the original AntiNex summary line.
namespace AntiNex.Reporting;

public sealed record PredictionResult
{
    public string Label { get; init; } = "";
    public IReadOnlyList<SamplePrediction> Samples { get; init; } = [];
    /// <summary>The original AntiNex's line: "&lt;label&gt; made predictions=N found=N accuracy=X".</summary>
    public string Summary { get; init; } = "";
    public int Rows { get; init; }
    public double? Accuracy { get; init; }
}
