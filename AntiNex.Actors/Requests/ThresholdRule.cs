namespace AntiNex.Requests;

/// <summary>Decision threshold for a binary model: chosen on the validation split (maximise F1, or the largest recall with FPR
/// &lt;= MaxFpr), or a fixed <see cref="Value"/> (Optimize "value"), which needs no validation rows.</summary>
public sealed record ThresholdRule(string Optimize, double? MaxFpr)
{
    /// <summary>The fixed threshold, for Optimize "value"; null when the rule chooses it.</summary>
    public double? Value { get; init; }

    public static ThresholdRule Fixed(double value) => new("value", null) { Value = value };

    /// <summary>The rule for a report: a fixed value as it is, a chosen one with the rows it was chosen on.</summary>
    public string Describe(string chosenOn)
        => Value is { } fixedValue ? $"value {fixedValue} (fixed)" : (Optimize == "f1" ? "optimize f1" : $"max_fpr {MaxFpr}") + $" on {chosenOn}";
}
