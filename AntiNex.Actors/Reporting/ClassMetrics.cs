namespace AntiNex.Reporting;

public sealed record ClassMetrics(string Class, double Precision, double Recall, double F1, int Support);
