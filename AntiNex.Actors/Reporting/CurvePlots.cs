using ScottPlot;

namespace AntiNex.Reporting;

/// <summary>ROC and precision-recall curves of a binary model's test scores, as PNGs next to the training curves.</summary>
public static class CurvePlots
{
    public static IEnumerable<string> Write(string directory, string label, (List<(double X, double Y)> Roc, List<(double X, double Y)> Pr) curves)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(Path.GetFullPath(directory), PlotWriter.SafeFileName(label));
        yield return One(stem + "-roc.png", $"{label} ROC (test rows)", "false-positive rate", "true-positive rate", curves.Roc);
        yield return One(stem + "-pr.png", $"{label} precision-recall (test rows)", "recall", "precision", curves.Pr);
    }

    private static string One(string path, string title, string x, string y, List<(double X, double Y)> points)
    {
        using var plot = new Plot();
        // A long curve is thinned to at most ~2000 points: the PNG is 800 px wide.
        int step = Math.Max(1, points.Count / 2000);
        var kept = points.Where((_, i) => i % step == 0 || i == points.Count - 1).ToArray();
        var s = plot.Add.Scatter(kept.Select(p => p.X).ToArray(), kept.Select(p => p.Y).ToArray());
        s.MarkerSize = 0;
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        PlotWriter.SaveAtomically(plot, Path.GetFullPath(path), 800, 600);
        return path;
    }
}
