namespace AntiNex.Requests;

/// <summary>Decision threshold for a binary model: chosen on the validation split (maximise F1, or the largest recall with FPR
/// &lt;= MaxFpr), or a fixed <see cref="Value"/> (Optimize "value"), which needs no validation rows.</summary>
public sealed record ThresholdRule(string Optimize, double? MaxFpr)
{
    /// <summary>The fixed threshold, for Optimize "value"; null when the rule chooses it.</summary>
    public double? Value { get; init; }

    public static ThresholdRule Fixed(double value) => new("value", null) { Value = value };
}
