using System.Security.Cryptography;
using System.Text;
using ScottPlot;

namespace AntiNex.Reporting;

/// <summary>
/// PNG pictures of a training report, like the original's history image: loss and accuracy per epoch (train and
/// validation) and the held-out confusion matrix. Pure drawing (ScottPlot on SkiaSharp, headless): no Akka, no torch.
/// </summary>
public static class PlotWriter
{
    public const int Width = 900, Height = 560;

    private static readonly Color TrainColor = Color.FromHex("#1f77b4");
    private static readonly Color ValidationColor = Color.FromHex("#ff7f0e");

    /// <summary>
    /// Writes every picture the report supports into <paramref name="directory"/> (created if missing) and returns
    /// their full paths: "&lt;label&gt;-loss.png", "&lt;label&gt;-accuracy.png" (when accuracy was recorded),
    /// "&lt;label&gt;-confusion.png" (classification). Files are named after the label, so a retrain replaces them.
    /// </summary>
    public static IReadOnlyList<string> WriteAll(TrainingReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(Path.GetFullPath(directory), SafeFileName(report.Label));
        var paths = new List<string>();

        if (report.History.Count > 0)
        {
            paths.Add(WriteLossCurve(report, stem + "-loss.png"));
            if (report.History.Any(h => h.Accuracy is not null || h.ValAccuracy is not null))
                paths.Add(WriteAccuracyCurve(report, stem + "-accuracy.png"));
        }
        if (report.ConfusionMatrix is { Length: > 0 } matrix)
            paths.Add(WriteConfusionMatrix(matrix, report.ClassNames, report.Label, report.Accuracy, stem + "-confusion.png"));
        return paths;
    }

    public static string WriteLossCurve(TrainingReport report, string path) =>
        WriteCurve(report, path, "loss", h => h.Loss, h => h.ValLoss, percent: false);

    public static string WriteAccuracyCurve(TrainingReport report, string path) =>
        WriteCurve(report, path, "accuracy", h => h.Accuracy, h => h.ValAccuracy, percent: true);

    private static string WriteCurve(TrainingReport report, string path, string metric,
        Func<EpochHistory, double?> train, Func<EpochHistory, double?> validation, bool percent)
    {
        path = Prepare(path);
        using var plot = new Plot();
        AddSeries(plot, report.History, train, $"train {metric}", TrainColor, percent);
        AddSeries(plot, report.History, validation, $"validation {metric}", ValidationColor, percent);
        plot.Title($"{report.Label}: {metric} per epoch");
        plot.XLabel("epoch");
        plot.YLabel(percent ? $"{metric} (%)" : metric);
        plot.ShowLegend(Alignment.UpperRight);
        if (report.History.Count <= 30)
        {
            var epochs = report.History.Select(h => (double)h.Epoch).ToArray();
            plot.Axes.Bottom.SetTicks(epochs, epochs.Select(e => e.ToString("0")).ToArray());
        }
        SaveAtomically(plot, path, Width, Height);
        return path;
    }

    private static void AddSeries(Plot plot, IReadOnlyList<EpochHistory> history, Func<EpochHistory, double?> value,
        string legend, Color color, bool percent)
    {
        var points = history.Where(h => value(h) is double v && double.IsFinite(v)).ToList();
        if (points.Count == 0) return;
        // Engines report accuracy either as a fraction or in percent; draw percent either way.
        double scale = percent && points.All(h => value(h)!.Value <= 1.0) ? 100.0 : 1.0;
        var xs = points.Select(h => (double)h.Epoch).ToArray();
        var ys = points.Select(h => value(h)!.Value * scale).ToArray();
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = legend;
        line.Color = color;
        line.LineWidth = 2;
        line.MarkerSize = history.Count <= 50 ? 6 : 0;
    }

    /// <summary>A heatmap of counts: rows = actual class, columns = predicted class, each cell labelled with its count.</summary>
    public static string WriteConfusionMatrix(int[][] matrix, IReadOnlyList<string>? classNames, string label,
        double? accuracy, string path)
    {
        int n = matrix.Length;
        if (n == 0 || matrix.Any(r => r.Length != n))
            throw new ArgumentException("confusion matrix must be square and non-empty", nameof(matrix));
        var names = Enumerable.Range(0, n).Select(i => Shortened(classNames is not null && i < classNames.Count ? classNames[i] : i.ToString()))
            .ToArray();
        long total = matrix.Sum(r => r.Sum(c => (long)c));
        int max = Math.Max(1, matrix.Max(r => r.Max()));

        path = Prepare(path);
        using var plot = new Plot();
        // Up to CountedClasses each cell is drawn with its count; beyond, one heatmap image of shades (a cell per pixel
        // block), so the picture's size and drawing time stay bounded up to the largest class count a model may have.
        var cell = n <= CountedClasses ? 120 : Math.Max(2, MaxMatrixPixels / n);
        if (n <= CountedClasses) DrawCountedCells(plot, matrix, total, max);
        else DrawShades(plot, matrix, max);
        // Every class is named while its names fit (about 14 px a line); with smaller cells, every k-th.
        var every = (int)Math.Ceiling(14.0 / cell);
        var named = Enumerable.Range(0, n).Where(i => i % every == 0).ToArray();
        plot.Axes.Bottom.SetTicks(named.Select(i => (double)i).ToArray(), named.Select(i => names[i]).ToArray());
        plot.Axes.Left.SetTicks(named.Select(i => (double)(n - 1 - i)).ToArray(), named.Select(i => names[i]).ToArray());
        // A name wider than its column (about 7 px a character) is turned so that neighbours do not run into each other.
        int longest = named.Max(i => names[i].Length), below = 0;
        if (longest * 7 > cell * every)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            plot.Axes.Bottom.TickLabelStyle.OffsetY = 6; // clear of the tick mark
            below = 5 * longest; // the turned name's height, at the default tick font
            plot.Axes.Bottom.MinimumSize = below + 30;
        }
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.XLabel(accuracy is double acc
            ? $"predicted   (held-out test rows: {total:N0}, accuracy {acc:0.00} %)"
            : $"predicted   (held-out test rows: {total:N0})");
        plot.YLabel("actual");
        plot.Title($"{label}: confusion matrix");
        int side = Math.Max(560, cell * n + 200);
        SaveAtomically(plot, path, side + 80, side + below);
        return path;
    }

    private const int CountedClasses = 30;
    private const int MaxMatrixPixels = 3000;
    private const int MaxNameLength = 40;
    private static readonly Color Low = Colors.White;
    private static readonly Color High = Color.FromHex("#08306b");

    /// <summary>A class name as shown: long ones are cut, so that the room turned names take stays bounded.</summary>
    private static string Shortened(string name) => name.Length <= MaxNameLength ? name : name[..(MaxNameLength - 1)] + "\u2026";

    /// <summary>One rectangle per cell, labelled with its count and share of the rows.</summary>
    private static void DrawCountedCells(Plot plot, int[][] matrix, long total, int max)
    {
        int n = matrix.Length;
        for (int actual = 0; actual < n; actual++)
        {
            for (int predicted = 0; predicted < n; predicted++)
            {
                int count = matrix[actual][predicted];
                // Row 0 at the top, as confusion matrices are read; x = predicted, y = actual.
                double x = predicted, y = n - 1 - actual;
                double shade = Math.Sqrt(count / (double)max); // sqrt keeps small error cells visible
                var cell = plot.Add.Rectangle(x - 0.5, x + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = Low.MixedWith(High, shade); // MixedWith(other, f): f = share of 'other'
                cell.LineColor = Colors.Gray;
                cell.LineWidth = 1;

                // With many classes, empty cells stay blank so the errors stand out.
                if (count == 0 && n > 4) continue;
                var text = plot.Add.Text($"{count:N0}{Share(count, total)}", x, y);
                text.LabelFontSize = n <= 4 ? 22 : 14;
                text.LabelBold = actual == predicted;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = shade > 0.55 ? Colors.White : Colors.Black;
            }
        }
    }

    /// <summary>The matrix as one image of shades, row 0 at the top (as confusion matrices are read).</summary>
    private static void DrawShades(Plot plot, int[][] matrix, int max)
    {
        int n = matrix.Length;
        var shades = new double[n, n];
        for (int actual = 0; actual < n; actual++)
            for (int predicted = 0; predicted < n; predicted++)
                shades[actual, predicted] = Math.Sqrt(matrix[actual][predicted] / (double)max);
        var map = plot.Add.Heatmap(shades);
        map.Colormap = new ScottPlot.Colormaps.CustomInterpolated([Low, High]);
        map.ManualRange = new ScottPlot.Range(0, 1);
        map.Rectangle = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
    }

    private static string Share(int count, long total) => total <= 0 ? ""
        : count > 0 && 1000.0 * count < total ? "\n<0.1 %" // a handful of rows is not "0.0 %"
        : $"\n{100.0 * count / total:0.0} %";

    /// <summary>Labels are user text: keep ASCII letters, digits, '-' and '_' (the rest becomes '_'), so a label can
    /// never name a path outside the folder. Lower-cased like the model key. A name that had to be changed (or cut at 100
    /// characters) ends with '.' and a short hash of the label, so two labels never share files ("a/b c" and "a_b_c"):
    /// '.' never survives the sanitizing, so no label kept as it is can end like that.</summary>
    public static string SafeFileName(string label)
    {
        var key = label.Trim().ToLowerInvariant();
        var sb = new StringBuilder();
        foreach (char c in key)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        var safe = sb.Length == 0 ? "model" : sb.Length > 100 ? sb.ToString(0, 100) : sb.ToString();
        return safe == key ? safe : $"{safe}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..8]}";
    }

    /// <summary>Every picture a training may draw for a label, by its name's ending.</summary>
    public static readonly IReadOnlyList<string> Suffixes = ["-loss.png", "-accuracy.png", "-confusion.png", "-roc.png", "-pr.png"];

    /// <summary>Removes the label's pictures this training did not draw again (a label that was binary and is now
    /// regression keeps no ROC curve of its old model next to its new loss curve).</summary>
    public static void RemoveStale(string directory, string label, IReadOnlyCollection<string> written)
    {
        var stem = Path.Combine(Path.GetFullPath(directory), SafeFileName(label));
        foreach (var path in Suffixes.Select(s => stem + s).Where(p => !written.Contains(p) && File.Exists(p))) File.Delete(path);
    }

    /// <summary>Draws to a temporary file, then moves it over the old picture: a failed draw (a full disk) never leaves a
    /// cut PNG where a good one was.</summary>
    internal static void SaveAtomically(Plot plot, string path, int width, int height)
    {
        var temp = path[..^4] + ".tmp.png";
        try
        {
            plot.SavePng(temp, width, height);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static string Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }
}
