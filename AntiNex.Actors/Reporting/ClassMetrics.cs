namespace AntiNex.Reporting;

/// <summary>One class on the test rows. <see cref="Predicted"/>: the rows predicted as it; a class with neither rows nor
/// predictions has no F1 and is left out of the macro averages.</summary>
public sealed record ClassMetrics(string Class, double Precision, double Recall, double F1, int Support, int Predicted = 0);
