namespace AntiNex.Reporting;

public sealed record OperatingPoint(double Threshold, double Accuracy, double Precision, double Recall, double F1, double FalsePositiveRate);
