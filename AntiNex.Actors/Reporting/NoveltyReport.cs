namespace AntiNex.Reporting;

public sealed record NoveltyReport(double Threshold, double MaxFpr, IReadOnlyList<int> Layers, int FitRows, int ValidationRows,
    int TestRowsFlaggedByNoveltyOnly, OperatingPoint WithoutNovelty, OperatingPoint WithNovelty);
