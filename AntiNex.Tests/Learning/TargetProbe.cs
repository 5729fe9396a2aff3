using System.Globalization;

namespace AntiNex.Tests.Learning;

/// <summary>
/// Finds what a fit predicted for one row without reading the prediction: the row's target is set to two values in two
/// runs, and with the fit unchanged n·MSE = S + (p - y)² over the scored rows gives p. A fit that saw the row's target
/// (through a scaler's range, say) moves with it, and two pairs of runs then disagree on p.
/// </summary>
internal static class TargetProbe
{
    /// <summary>The target (last column) of data row <paramref name="row"/> of CSV lines with a header.</summary>
    public static double TargetOf(string[] lines, int row)
    {
        var line = lines[row + 1];
        return double.Parse(line[(line.LastIndexOf(',') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>The CSV text with data row <paramref name="row"/>'s target set to <paramref name="y"/>.</summary>
    public static string WithTarget(string[] lines, int row, double y)
    {
        var changed = (string[])lines.Clone();
        var line = changed[row + 1];
        changed[row + 1] = line[..(line.LastIndexOf(',') + 1)] + y.ToString("R", CultureInfo.InvariantCulture);
        return string.Join("\n", changed) + "\n";
    }

    /// <summary>p from n(MSE_B - MSE_A) = (p - y_B)² - (p - y_A)², over n scored rows.</summary>
    public static double ImpliedPrediction(double n, double mseA, double yA, double mseB, double yB)
        => (yB * yB - yA * yA - n * (mseB - mseA)) / (2 * (yB - yA));
}
