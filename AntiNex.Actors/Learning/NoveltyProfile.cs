using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>The request's novelty field applied to the final fit's rows (see <see cref="NoveltyDetector"/>).</summary>
internal static class NoveltyProfile
{
    /// <summary>Fits the autoencoder on the normal-class fitting rows and sets its threshold on the normal-class
    /// validation rows. The test rows are never passed here.</summary>
    public static (NoveltyDetector Detector, NoveltyState State, int FitRows, int ValidationRows) Fit(TensorData fit, TensorData validation,
        int normalClass, NoveltyOptions o, long seed, CancellationToken ct)
    {
        var fitX = NormalRows(fit, normalClass, out int fitRows);
        var valX = NormalRows(validation, normalClass, out int valRows);
        if (valRows == 0) throw new RequestException("novelty",
            "the validation split holds no row of the normal class to set the threshold on; raise validation_split");
        var detector = NoveltyDetector.Fit(fitX, fitRows, fit.Width, o.Layers, o.Epochs, o.BatchSize, o.LearningRate, seed, ct);
        var threshold = NoveltyDetector.QuantileThreshold(detector.Errors(valX, valRows), o.MaxFpr);
        detector.SetThreshold(threshold);
        return (detector, new NoveltyState(normalClass, o.Layers, threshold, o.MaxFpr), fitRows, valRows);
    }

    /// <summary>Test metrics of the network alone and with the detector (a flagged row is never the normal class).</summary>
    public static NoveltyReport Report(NoveltyState state, NoveltyOptions o, int fitRows, int valRows, int[] truth, double[] scores,
        double threshold, bool[] novel)
    {
        int onlyNovelty = 0;
        var combined = new double[scores.Length];
        for (int i = 0; i < scores.Length; i++)
        {
            bool networkSaysNormal = (scores[i] > threshold ? 1 : 0) == state.NormalClass;
            if (novel[i] && networkSaysNormal) onlyNovelty++;
            // the decision as a score Metrics.At reads at the same threshold: flagged rows forced off the normal class
            // (finite extremes: a non-finite score is an unscorable row, which Metrics.At counts as the alarm class 1)
            combined[i] = novel[i] && networkSaysNormal ? (state.NormalClass == 0 ? double.MaxValue : double.MinValue) : scores[i];
        }
        return new NoveltyReport(state.Threshold, o.MaxFpr, o.Layers, fitRows, valRows, onlyNovelty,
            Metrics.At(truth, scores, threshold), Metrics.At(truth, combined, threshold));
    }

    private static float[] NormalRows(TensorData d, int normalClass, out int rows)
    {
        var idx = Enumerable.Range(0, d.Rows).Where(i => d.Classes![i] == normalClass).ToArray();
        var x = new float[idx.Length * d.Width];
        for (int k = 0; k < idx.Length; k++) Array.Copy(d.X, (long)d.RowOf(idx[k]) * d.Width, x, (long)k * d.Width, d.Width);
        rows = idx.Length;
        return x;
    }
}
