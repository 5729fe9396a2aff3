// The quality report fields as Spectre.Console tables, shared by `train --local` and the cluster's train replies.
using System.Globalization;
using AntiNex.Learning;
using AntiNex.Reporting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AntiNex.Gateway.Commands;

internal static class ReportTables
{
    private static string F(double? v, string format = "0.0000") => v is { } d ? d.ToString(format, CultureInfo.InvariantCulture) : "-";
    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Rows for a two-column (metric, value) summary: validation rows, epochs, ensemble size, threshold and its rule.</summary>
    public static void AddTrainingRows(Table summary, TrainingReport r)
    {
        if (r.ValidationRows > 0) summary.AddRow("validation rows", I(r.ValidationRows));
        if (r.EpochsRun is { } run) summary.AddRow("epochs run / best epoch", $"{I(run)} / {(r.BestEpoch is { } b ? I(b) : "-")}");
        if (r.ModelKind != "network") summary.AddRow("model kind", ConsoleText.Cell(r.ModelKind));
        if (r.EnsembleSize > 1) summary.AddRow("ensemble size", I(r.EnsembleSize));
        if (r.ThresholdRule is { } rule) // a chosen threshold; without a rule it is 0.5 (the operating-point table shows it)
        {
            summary.AddRow("threshold", F(r.Threshold));
            summary.AddRow("threshold rule", ConsoleText.Cell(rule));
        }
        if (r.MacroF1 is { } m) summary.AddRow("macro-F1", F(m));
    }

    /// <summary>Binary test metrics at 0.5 and at the chosen threshold, then per-class metrics with macro-F1; none when absent.</summary>
    public static IEnumerable<IRenderable> QualityTables(TrainingReport r)
    {
        if (r.AtHalf is not null || r.AtThreshold is not null)
        {
            var t = new Table().Title("test metrics at 0.5 and at the chosen threshold").AddColumn("operating point");
            foreach (var c in new[] { "threshold", "accuracy %", "precision", "recall", "F1", "FPR" }) t.AddColumn(new TableColumn(c).RightAligned());
            void Point(string name, OperatingPoint? p)
            {
                if (p is null) return;
                t.AddRow(name, F(p.Threshold), F(p.Accuracy, "0.00"), F(p.Precision), F(p.Recall), F(p.F1), F(p.FalsePositiveRate));
            }
            Point("at 0.5", r.AtHalf);
            Point("at threshold", r.AtThreshold);
            yield return t;
        }
        if (r.PerClass is { Count: > 0 } classes)
        {
            var t = new Table().Title("per class (test rows)").AddColumn("class");
            foreach (var c in new[] { "precision", "recall", "F1", "support" }) t.AddColumn(new TableColumn(c).RightAligned());
            foreach (var c in classes) t.AddRow(ConsoleText.Cell(c.Class), F(c.Precision), F(c.Recall), F(c.F1), I(c.Support));
            if (r.MacroF1 is { } m) t.AddRow("[bold]macro[/]", F(classes.Average(c => c.Precision)), F(classes.Average(c => c.Recall)),
                $"[bold]{F(m)}[/]", I(classes.Sum(c => c.Support)));
            yield return t;
        }
    }

    /// <summary>The CV folds; a fold ensemble's folds also show what their fits did.</summary>
    public static Table CrossValidation(TrainingReport r)
    {
        bool fits = r.Cv.Any(f => f.EpochsRun is not null);
        var t = new Table().Title(fits ? $"cross-validation (training split; the {r.Cv.Count} fold networks are the served ensemble)"
            : "cross-validation (training split)")
            .AddColumn("fold").AddColumn(new TableColumn("score").RightAligned()).AddColumn(new TableColumn("train rows").RightAligned())
                .AddColumn(new TableColumn("test rows").RightAligned());
        if (fits) t.AddColumn(new TableColumn("validation rows").RightAligned()).AddColumn(new TableColumn("epochs (best)").RightAligned());
        foreach (var f in r.Cv)
        {
            var cells = new List<string> { I(f.Fold), F(f.Score), I(f.TrainRows), I(f.TestRows) };
            if (fits) cells.AddRange([f.ValidationRows is { } v ? I(v) : "-",
                $"{(f.EpochsRun is { } e ? I(e) : "-")} ({(f.BestEpoch is { } b ? I(b) : "-")})"]);
            t.AddRow(cells.ToArray());
        }
        return t;
    }
}
