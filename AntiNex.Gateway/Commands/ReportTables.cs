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
        if (r.EpochsRun is { } run && r.ModelKind == "network") // a tree ensemble is fitted in one pass: no epochs to show
            summary.AddRow("epochs run / best epoch", $"{I(run)} / {(r.BestEpoch is { } b ? I(b) : "-")}");
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
            var scored = Metrics.Scored(classes).ToList();
            foreach (var c in classes)
            {
                bool has = scored.Contains(c); // a class with neither test rows nor predictions has no precision, recall or F1
                t.AddRow(ConsoleText.Cell(c.Class), has ? F(c.Precision) : "-", has ? F(c.Recall) : "-", has ? F(c.F1) : "-", I(c.Support));
            }
            if (r.MacroF1 is { } m && scored.Count > 0)
                t.AddRow(scored.Count < classes.Count ? $"[bold]macro[/] ({I(scored.Count)} of {I(classes.Count)} classes)" : "[bold]macro[/]",
                    F(scored.Average(c => c.Precision)), F(scored.Average(c => c.Recall)), $"[bold]{F(m)}[/]", I(classes.Sum(c => c.Support)));
            yield return t;
        }
    }

    /// <summary>
    /// The test confusion matrix in <paramref name="width"/> console columns: headed by class names when they fit, by class
    /// numbers (the row labels say which) when those fit, else the largest off-diagonal cells as a list. A matrix wider than
    /// the console was squeezed into one character per column, unreadable; the whole matrix stays in --json.
    /// </summary>
    public static IRenderable? ConfusionMatrix(TrainingReport r, int width)
    {
        if (r.ConfusionMatrix is not { Length: > 0 } cm) return null;
        string Name(int i) => r.ClassNames is { } n && i < n.Count ? n[i] : I(i);
        int k = cm.Length;
        var counts = Enumerable.Range(0, k).Select(c => cm.Max(row => c < row.Length ? row[c] : 0)).Select(v => I(v).Length).ToArray();
        int rowLabel = Enumerable.Range(0, k).Max(i => Name(i).Length) + I(k - 1).Length + 1;
        // A table costs its cells plus 3 per column (borders and padding) plus one for the outer border.
        int Needed(Func<int, int> header, int label) => label + 4 + Enumerable.Range(0, k).Sum(c => Math.Max(header(c), counts[c]) + 3);
        const string Title = "confusion matrix (rows: truth, columns: predicted)";
        if (Needed(c => Name(c).Length, rowLabel - I(k - 1).Length - 1) <= width)
            return Matrix(Title, cm, Name, Name);
        if (Needed(c => I(c).Length, rowLabel) <= width)
            return Matrix(Title + "; columns are the class numbers", cm, i => $"{I(i)} {Name(i)}", I);
        const int Top = 20;
        var cells = Enumerable.Range(0, k).SelectMany(t => Enumerable.Range(0, cm[t].Length).Where(p => p != t && cm[t][p] > 0)
            .Select(p => (Truth: t, Predicted: p, Count: cm[t][p]))).OrderByDescending(c => c.Count).ThenBy(c => c.Truth).ToList();
        var list = new Table().Title($"confusions (off-diagonal cells of the {k}-class confusion matrix, largest first; all in --json)")
            .AddColumn("truth").AddColumn("predicted").AddColumn(new TableColumn("rows").RightAligned());
        foreach (var c in cells.Take(Top)) list.AddRow(ConsoleText.Cell(Name(c.Truth)), ConsoleText.Cell(Name(c.Predicted)), I(c.Count));
        if (cells.Count > Top) list.AddRow($"... {I(cells.Count - Top)} more cells", "", I(cells.Skip(Top).Sum(c => c.Count)));
        if (cells.Count == 0) list.AddRow("(none: every test row is on the diagonal)", "", "0");
        return list;
    }

    private static Table Matrix(string title, int[][] cm, Func<int, string> rowName, Func<int, string> columnName)
    {
        var t = new Table().Title(title).AddColumn("");
        for (int c = 0; c < cm.Length; c++) t.AddColumn(new TableColumn(ConsoleText.Cell(columnName(c))).RightAligned());
        for (int i = 0; i < cm.Length; i++) t.AddRow([ConsoleText.Cell(rowName(i)), .. cm[i].Select(I)]);
        return t;
    }

    /// <summary>model_kind "auto": every candidate with its figures on the selection rows and why the rule took or passed it.</summary>
    public static Table? ModelSelection(TrainingReport r)
    {
        if (r.Selection is not { } s) return null;
        var scope = $"{I(s.FitRows)} fitting rows, {I(s.SelectionRows)} selection rows"
            + (s.LeaveOutRows is { } lo ? $", {I(lo)} leave-attack-kind-out rows" : "");
        bool regression = s.Candidates.Any(c => c.Mse is not null);
        var t = new Table().Title($"model selection on the training rows only ({scope}; {F(s.Seconds, "0.0")} s)").AddColumn("candidate")
            .AddColumn(new TableColumn(regression ? "MSE" : "accuracy %").RightAligned())
            .AddColumn(new TableColumn(regression ? "R²" : "macro-F1").RightAligned());
        bool fpr = s.Candidates.Any(c => c.Fpr is not null), leaveOut = s.Candidates.Any(c => c.LeaveOutBalancedAccuracy is not null);
        if (fpr) t.AddColumn(new TableColumn("FPR %").RightAligned());
        if (leaveOut) t.AddColumn(new TableColumn("leave-out bal. acc. %").RightAligned());
        t.AddColumn("verdict");
        foreach (var c in s.Candidates)
        {
            var cells = new List<string> { ConsoleText.Cell(c.Name) };
            cells.AddRange(regression ? [F(c.Mse, "G5"), F(c.R2)] : [F(c.Accuracy, "0.00"), F(c.MacroF1)]);
            if (fpr) cells.Add(F(c.Fpr, "0.00"));
            if (leaveOut) cells.Add(F(c.LeaveOutBalancedAccuracy, "0.00"));
            var verdict = ConsoleText.Cell(c.Verdict);
            cells.Add(c.Verdict?.StartsWith("winner", StringComparison.Ordinal) == true ? $"[bold]{verdict}[/]" : verdict);
            t.AddRow(cells.ToArray());
        }
        t.Caption(ConsoleText.Cell($"served: {s.Winner}; decided by {s.Metric}"));
        return t;
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
