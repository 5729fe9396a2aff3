using System.Text.Json.Serialization;

namespace AntiNex.Reporting;

public sealed record SamplePrediction(int Row, double? Original, double Predicted, string? LabelName, double? Probability)
{
    /// <summary>The row could not be scored (a NaN input, or a non-finite network output): treat it as an alarm. A
    /// classification row then carries the alarm class and no probability. Written only when true.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Unscorable { get; init; }
}
