namespace AntiNex.Reporting;

public sealed record SamplePrediction(int Row, double? Original, double Predicted, string? LabelName, double? Probability);
