using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>Held-out metrics: classification (accuracy, precision/recall/F1, ROC AUC, confusion) and regression (MSE/MAE/R2).</summary>
public static class Metrics
{
    public sealed record Classification(double Accuracy, double Precision, double Recall, double F1, double? RocAuc, int[][] Confusion);

    /// <summary>Binary: positive class = index 1. Multi-class: macro averages. <paramref name="positiveScore"/> (binary) gives ROC AUC.</summary>
    public static Classification Classify(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, int classes, IReadOnlyList<double>? positiveScore)
    {
        var cm = new int[classes][];
        for (int i = 0; i < classes; i++) cm[i] = new int[classes];
        int correct = 0, n = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            if (truth[i] < 0) continue; // a class the model never saw cannot be placed in the matrix
            n++;
            cm[truth[i]][predicted[i]]++;
            if (truth[i] == predicted[i]) correct++;
        }
        double acc = n == 0 ? 0 : 100.0 * correct / n;
        double P(int c) { int col = 0; for (int r = 0; r < classes; r++) col += cm[r][c]; return col == 0 ? 0 : (double)cm[c][c] / col; }
        double R(int c) { int row = cm[c].Sum(); return row == 0 ? 0 : (double)cm[c][c] / row; }
        double F(int c) { var p = P(c); var r = R(c); return p + r == 0 ? 0 : 2 * p * r / (p + r); }
        double precision, recall, f1;
        if (classes == 2) { precision = P(1); recall = R(1); f1 = F(1); }
        else
        {
            // Macro averages over the classes the rows hold or the model predicts (as scikit-learn's): a class of the
            // training data with no test row and no prediction has no F1, and counting it as 0 understated every model.
            var scored = Enumerable.Range(0, classes).Where(c => cm[c].Sum() + cm.Sum(row => row[c]) > 0).DefaultIfEmpty(0).ToArray();
            precision = scored.Average(P);
            recall = scored.Average(R);
            f1 = scored.Average(F);
        }
        double? auc = classes == 2 && positiveScore is not null ? RocAuc(truth, positiveScore) : null;
        return new Classification(acc, precision, recall, f1, auc, cm);
    }

    /// <summary>Binary: the test rows hold no positive class row and the model predicts none, so its precision, recall and F1
    /// are 0/0, undefined (the per-class table's "-"); reported as 0 they read as a model that missed every attack.</summary>
    public static bool PositiveUnscored(Classification m) => m.Confusion.Length == 2 && m.Confusion[1].Sum() + m.Confusion[0][1] == 0;

    /// <summary>Rank-based ROC AUC (Mann-Whitney U, ties averaged); null when one class is absent. A non-finite score ranks
    /// as serving answers it, above every finite one (NaN would otherwise sort lowest, as the surest normal row).</summary>
    public static double? RocAuc(IReadOnlyList<int> truth, IReadOnlyList<double> score)
    {
        score = score.Select(Served).ToArray();
        var idx = Enumerable.Range(0, truth.Count).Where(i => truth[i] >= 0).OrderBy(i => score[i]).ToArray();
        long pos = idx.LongCount(i => truth[i] == 1), neg = idx.Length - pos;
        if (pos == 0 || neg == 0) return null;
        double rankSum = 0;
        for (int i = 0; i < idx.Length;)
        {
            int j = i;
            while (j + 1 < idx.Length && score[idx[j + 1]] == score[idx[i]]) j++;
            double avgRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (truth[idx[k]] == 1) rankSum += avgRank;
            i = j + 1;
        }
        return (rankSum - pos * (pos + 1) / 2.0) / ((double)pos * neg);
    }

    public static (double Mse, double Mae, double R2) Regress(IReadOnlyList<double> truth, IReadOnlyList<double> predicted)
    {
        int n = truth.Count;
        if (n == 0) return (0, 0, 0);
        double mse = 0, mae = 0, mean = truth.Average(), ssTot = 0;
        for (int i = 0; i < n; i++)
        {
            var e = predicted[i] - truth[i];
            mse += e * e; mae += Math.Abs(e);
            ssTot += (truth[i] - mean) * (truth[i] - mean);
        }
        mse /= n; mae /= n;
        // Constant targets leave R2 undefined; as scikit-learn's r2_score (force_finite, its default): 1 for a perfect
        // prediction, 0 otherwise.
        double r2 = ssTot == 0 ? (mse == 0 ? 1 : 0) : 1 - mse * n / ssTot;
        return (mse, mae, r2);
    }

    /// <summary>Binary metrics of positive-class scores at a threshold (predicted positive when score &gt; threshold, or when
    /// it is not finite, as in serving).</summary>
    public static OperatingPoint At(IReadOnlyList<int> truth, IReadOnlyList<double> score, double threshold)
    {
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            if (truth[i] < 0) continue;
            bool pos = Served(score[i]) > threshold;
            if (truth[i] == 1) { if (pos) tp++; else fn++; }
            else { if (pos) fp++; else tn++; }
        }
        long n = tp + fp + tn + fn;
        double p = tp + fp == 0 ? 0 : (double)tp / (tp + fp), r = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        return new OperatingPoint(threshold, n == 0 ? 0 : 100.0 * (tp + tn) / n, p, r, p + r == 0 ? 0 : 2 * p * r / (p + r),
            fp + tn == 0 ? 0 : (double)fp / (fp + tn));
    }

    /// <summary>The threshold a request's rule gives: its fixed value, or chosen on the validation rows' scores (null when the rule
    /// needs them and there are none). The scores are computed only when the rule needs them.</summary>
    public static double? ThresholdOf(ThresholdRule? rule, IReadOnlyList<int>? truth, Func<IReadOnlyList<float>> scores)
        => rule switch
        {
            null => null,
            { Value: { } fixedValue } => fixedValue,
            _ when truth is null => null,
            _ => ChooseThreshold(truth, scores().Select(v => (double)v).ToArray(), rule.Optimize, rule.MaxFpr),
        };

    /// <summary>
    /// Threshold chosen on VALIDATION scores: "f1" maximises F1; "max_fpr" takes the lowest threshold (best recall) whose
    /// false-positive rate stays within the target. Candidates are midpoints between distinct scores.
    /// </summary>
    public static double ChooseThreshold(IReadOnlyList<int> truth, IReadOnlyList<double> score, string rule, double? maxFpr)
    {
        if (rule is not ("f1" or "max_fpr")) throw new ArgumentException($"no threshold to choose for rule '{rule}'", nameof(rule));
        // A non-finite score (a diverged network) is above every cut, as serving answers it with the alarm class; it is
        // no candidate either.
        var distinct = score.Where(double.IsFinite).Distinct().Order().ToArray();
        score = score.Select(Served).ToArray();
        var candidates = new List<double> { 0.5 };
        for (int i = 0; i + 1 < distinct.Length; i++) candidates.Add((distinct[i] + distinct[i + 1]) / 2);
        if (distinct.Length > 0) candidates.Add(distinct[^1]); // everything negative
        // Sort once by score, then sweep: O(n log n) instead of re-counting per candidate.
        var order = Enumerable.Range(0, truth.Count).Where(i => truth[i] >= 0).OrderByDescending(i => score[i]).ToArray();
        long pos = order.LongCount(i => truth[i] == 1), neg = order.Length - pos;
        // Rows of one class only (a class of a single training row lands outside the carve) say nothing of where to cut:
        // every F1 would tie at 0 and the lowest cut would win, calling every row positive.
        if (pos == 0 || neg == 0) return 0.5;
        var thresholds = candidates.Distinct().Order().ToArray();
        var values = new double[thresholds.Length];
        // One sweep from the highest threshold down: the rows with "score > t" are a prefix of the order that only grows.
        long tp = 0, fp = 0;
        for (int c = thresholds.Length - 1, next = 0; c >= 0; c--)
        {
            for (; next < order.Length && score[order[next]] > thresholds[c]; next++)
                if (truth[order[next]] == 1) tp++; else fp++;
            double recall = pos == 0 ? 0 : (double)tp / pos, fpr = neg == 0 ? 0 : (double)fp / neg;
            double precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
            values[c] = rule == "max_fpr"
                ? (fpr <= maxFpr!.Value + 1e-12 ? recall : double.NegativeInfinity)
                : (precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
        }
        double bestT = 0.5, bestValue = double.NegativeInfinity;
        for (int c = 0; c < thresholds.Length; c++)
            if (values[c] > bestValue + 1e-12) { bestValue = values[c]; bestT = thresholds[c]; }
        return bestT;
    }

    /// <summary>A positive-class score as serving decides on it: a non-finite one (a diverged network) is an unscorable row,
    /// answered with the alarm class (class 1 without a novelty detector), so above every threshold.</summary>
    private static double Served(double score) => double.IsFinite(score) ? score : double.PositiveInfinity;

    /// <summary>ROC (fpr, tpr) and precision-recall (recall, precision) points, one per distinct score; a non-finite score
    /// ranks as in <see cref="RocAuc"/>.</summary>
    public static (List<(double X, double Y)> Roc, List<(double X, double Y)> Pr) Curves(IReadOnlyList<int> truth, IReadOnlyList<double> score)
    {
        score = score.Select(Served).ToArray();
        var order = Enumerable.Range(0, truth.Count).Where(i => truth[i] >= 0).OrderByDescending(i => score[i]).ToArray();
        long pos = order.LongCount(i => truth[i] == 1), neg = order.Length - pos;
        var roc = new List<(double, double)> { (0, 0) };
        var pr = new List<(double, double)>();
        long tp = 0, fp = 0;
        for (int k = 0; k < order.Length; k++)
        {
            if (truth[order[k]] == 1) tp++; else fp++;
            if (k + 1 < order.Length && score[order[k + 1]] == score[order[k]]) continue;
            roc.Add((neg == 0 ? 0 : (double)fp / neg, pos == 0 ? 0 : (double)tp / pos));
            pr.Add((pos == 0 ? 0 : (double)tp / pos, (double)tp / (tp + fp)));
        }
        return (roc, pr);
    }

    /// <summary>Per-class precision/recall/F1/support from a confusion matrix (rows = truth).</summary>
    public static List<ClassMetrics> PerClass(int[][] cm, IReadOnlyList<string> names)
    {
        var list = new List<ClassMetrics>();
        for (int c = 0; c < cm.Length; c++)
        {
            int col = 0; for (int r = 0; r < cm.Length; r++) col += cm[r][c];
            int row = cm[c].Sum();
            double p = col == 0 ? 0 : (double)cm[c][c] / col, rc = row == 0 ? 0 : (double)cm[c][c] / row;
            list.Add(new ClassMetrics(c < names.Count ? names[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture), p, rc,
                p + rc == 0 ? 0 : 2 * p * rc / (p + rc), row, col));
        }
        return list;
    }

    /// <summary>The classes a macro average counts: those with test rows or predictions.</summary>
    public static IEnumerable<ClassMetrics> Scored(IEnumerable<ClassMetrics> perClass) => perClass.Where(c => c.Support + c.Predicted > 0);

    /// <summary>Population standard deviation (as numpy's std, used by the original's scores).</summary>
    public static double Std(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return 0;
        var m = values.Average();
        return Math.Sqrt(values.Sum(v => (v - m) * (v - m)) / values.Count);
    }
}
