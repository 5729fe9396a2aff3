using System.Globalization;
using AntiNex.Learning;
using AntiNex.Reporting;
using Spectre.Console;

namespace AntiNex.Gateway.Commands;

/// <summary>The novelty detector's part of a training report (request field novelty): what it adds to the network.</summary>
internal static class NoveltyTable
{
    public static void Write(IAnsiConsole ui, TrainingReport r)
    {
        if (r.Novelty is not { } n) return;
        static string P(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
        var t = new Table().Title($"novelty detector (layers {string.Join("-", n.Layers)}, max_fpr {n.MaxFpr.ToString(CultureInfo.InvariantCulture)})")
            .AddColumn("test rows").AddColumn(new TableColumn("accuracy %").RightAligned()).AddColumn(new TableColumn("precision").RightAligned())
            .AddColumn(new TableColumn("recall").RightAligned()).AddColumn(new TableColumn("F1").RightAligned()).AddColumn(new TableColumn("FPR").RightAligned());
        foreach (var (name, o) in new[] { ("network alone", n.WithoutNovelty), ("with novelty", n.WithNovelty) })
            t.AddRow(name, o.Accuracy.ToString("0.00", CultureInfo.InvariantCulture), P(o.Precision), P(o.Recall), P(o.F1), P(o.FalsePositiveRate));
        t.Caption($"threshold {n.Threshold.ToString("G6", CultureInfo.InvariantCulture)} (reconstruction error), fitted on {n.FitRows} normal rows, set on {n.ValidationRows}; " +
                  $"{n.TestRowsFlaggedByNoveltyOnly} test rows flagged by novelty only");
        ui.Write(t);
    }
}
