namespace AntiNex.Learning.Selection;

/// <summary>The figures candidates are compared by, from class decisions on labelled rows.</summary>
internal static class Scores
{
    /// <summary>Binary decision: the network (or trees) score above the threshold, or a novelty flag (never the normal class).</summary>
    public static int[] Binary(float[] positive, double threshold, bool[]? novel, int normalClass)
        => positive.Select((p, i) => novel is not null && novel[i] ? 1 - normalClass : p > threshold ? 1 : 0).ToArray();

    /// <summary>Arg-max of k outputs per row.</summary>
    public static int[] ArgMax(float[] outputs, int k)
    {
        var c = new int[outputs.Length / k];
        for (int i = 0; i < c.Length; i++)
            for (int j = 1; j < k; j++)
                if (outputs[i * k + j] > outputs[i * k + c[i]]) c[i] = j;
        return c;
    }

    public static double Accuracy(int[] truth, int[] predicted)
        => 100.0 * truth.Where((t, i) => t == predicted[i]).Count() / Math.Max(1, truth.Length);

    /// <summary>Mean of the per-class recalls in percent (classes without rows left out).</summary>
    public static double BalancedAccuracy(int[] truth, int[] predicted, int k)
    {
        var recalls = Enumerable.Range(0, k)
            .Select(c => (Rows: truth.Count(t => t == c), Hits: truth.Where((t, i) => t == c && predicted[i] == c).Count()))
            .Where(r => r.Rows > 0).Select(r => 100.0 * r.Hits / r.Rows).ToList();
        return recalls.Count == 0 ? 0 : recalls.Average();
    }

    /// <summary>Unweighted mean of the per-class F1 over the classes of the training data (a class absent from these rows
    /// counts 0 if predicted, else is skipped).</summary>
    public static double MacroF1(int[] truth, int[] predicted, int k)
    {
        var counts = new long[3 * k];
        for (int i = 0; i < truth.Length; i++) Tally(counts, truth[i], predicted[i], 1);
        return MacroF1(counts, k);
    }

    /// <summary>Adds one row, <paramref name="weight"/> times, to per-class counts: true positives at 3c, false positives at
    /// 3c+1, false negatives at 3c+2.</summary>
    public static void Tally(long[] counts, int truth, int predicted, int weight)
    {
        if (truth == predicted) { counts[3 * truth] += weight; return; }
        counts[3 * predicted + 1] += weight;
        counts[3 * truth + 2] += weight;
    }

    /// <summary>Macro-F1 from <see cref="Tally"/> counts; classes with neither rows nor predictions are skipped.</summary>
    public static double MacroF1(long[] counts, int k)
    {
        double sum = 0;
        int classes = 0;
        for (int c = 0; c < k; c++)
        {
            long tp = counts[3 * c], fp = counts[3 * c + 1], fn = counts[3 * c + 2];
            if (tp + fp + fn == 0) continue;
            sum += 2.0 * tp / (2.0 * tp + fp + fn);
            classes++;
        }
        return classes == 0 ? 0 : sum / classes;
    }

    /// <summary>False-positive rate in percent: normal rows called attacks.</summary>
    public static double Fpr(int[] truth, int[] predicted, int normalClass)
    {
        int normal = truth.Count(t => t == normalClass);
        return normal == 0 ? 0 : 100.0 * truth.Where((t, i) => t == normalClass && predicted[i] != normalClass).Count() / normal;
    }
}
