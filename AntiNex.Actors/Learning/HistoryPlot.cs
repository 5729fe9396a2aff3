using ScottPlot;

namespace AntiNex.Learning;

/// <summary>Training curves (loss, val_loss, acc, val_acc per epoch) as a PNG, when EngineOptions.PlotDirectory is set.</summary>
internal static class HistoryPlot
{
    public static string Write(string directory, string label, IReadOnlyList<EpochHistory> history)
    {
        Directory.CreateDirectory(directory);
        var safe = string.Concat(label.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        var path = Path.Combine(directory, $"{safe}-history.png");
        var plot = new Plot();
        double[] epochs = history.Select(h => (double)h.Epoch).ToArray();
        void Series(string name, Func<EpochHistory, double?> pick)
        {
            if (history.Any(h => pick(h) is null)) return;
            var s = plot.Add.Scatter(epochs, history.Select(h => pick(h)!.Value).ToArray());
            s.LegendText = name;
        }
        Series("loss", h => h.Loss);
        Series("val_loss", h => h.ValLoss);
        Series("acc", h => h.Accuracy);
        Series("val_acc", h => h.ValAccuracy);
        plot.Title(label);
        plot.XLabel("epoch");
        plot.ShowLegend();
        plot.SavePng(path, 800, 500);
        return path;
    }
}
