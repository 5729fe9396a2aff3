namespace AntiNex.Requests;

/// <summary>Decision threshold for a binary model, chosen on the validation split: maximise F1, or the largest recall with FPR &lt;=
/// MaxFpr.</summary>
public sealed record ThresholdRule(string Optimize, double? MaxFpr);
