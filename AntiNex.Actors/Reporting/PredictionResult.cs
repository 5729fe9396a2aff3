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
    /// <summary>Rows that could not be scored and were answered as alarms (see <see cref="SamplePrediction.Unscorable"/>).</summary>
    public int UnscorableRows { get; init; }
    /// <summary>What the caller should know about how the rows were read (a mark_empty or non_finite other than the model's
    /// training; rows short of the header's fields, or predict_rows lacking a key, read as empty cells; a dataset file read as
    /// Windows-1252, or its NaN/Infinity cells read as empty); null when nothing.</summary>
    public IReadOnlyList<string>? Warnings { get; init; }
}
