using System.Diagnostics;
using AntiNex.Learning;

namespace AntiNex.Tests.Learning;

/// <summary>The threshold rules sweep the validation rows once: a large validation split is no quadratic cost.</summary>
public class ThresholdSweepTests
{
    /// <summary>The rule as first written: each candidate threshold counts the rows above it anew.</summary>
    private static double Reference(IReadOnlyList<int> truth, IReadOnlyList<double> score, string rule, double? maxFpr)
    {
        var distinct = score.Distinct().Order().ToArray();
        var candidates = new List<double> { 0.5 };
        for (int i = 0; i + 1 < distinct.Length; i++) candidates.Add((distinct[i] + distinct[i + 1]) / 2);
        if (distinct.Length > 0) candidates.Add(distinct[^1]);
        var order = Enumerable.Range(0, truth.Count).Where(i => truth[i] >= 0).OrderByDescending(i => score[i]).ToArray();
        long pos = order.LongCount(i => truth[i] == 1), neg = order.Length - pos;
        if (pos == 0 || neg == 0) return 0.5; // rows of one class say nothing of where to cut
        double bestT = 0.5, bestValue = double.NegativeInfinity;
        foreach (var t in candidates.Distinct().Order())
        {
            long tp = 0, fp = 0;
            foreach (var i in order) { if (score[i] <= t) break; if (truth[i] == 1) tp++; else fp++; }
            double recall = pos == 0 ? 0 : (double)tp / pos, fpr = neg == 0 ? 0 : (double)fp / neg;
            double precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
            double value = rule == "max_fpr"
                ? (fpr <= maxFpr!.Value + 1e-12 ? recall : double.NegativeInfinity)
                : (precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
            if (value > bestValue + 1e-12) { bestValue = value; bestT = t; }
        }
        return bestT;
    }

    private static (int[] Truth, double[] Score) Rows(int n, int seed, int levels)
    {
        var rng = new Random(seed);
        var truth = new int[n];
        var score = new double[n];
        for (int i = 0; i < n; i++)
        {
            truth[i] = rng.Next(10) == 0 ? -1 : rng.Next(2); // -1: a row of an unseen class, not counted
            double s = Math.Clamp(0.5 + (truth[i] == 1 ? 0.2 : -0.2) + rng.NextDouble() * 0.8 - 0.4, 0, 1);
            score[i] = levels > 0 ? Math.Round(s * levels) / levels : s;
        }
        return (truth, score);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 20)]
    [InlineData(3, 3)]
    public void The_chosen_threshold_is_the_rule_s(int seed, int levels)
    {
        foreach (int n in new[] { 0, 1, 2, 7, 500 })
        {
            var (truth, score) = Rows(n, seed, levels);
            Assert.Equal(Reference(truth, score, "f1", null), Metrics.ChooseThreshold(truth, score, "f1", null));
            foreach (var fpr in new[] { 0.0, 0.01, 0.1, 0.5 })
                Assert.Equal(Reference(truth, score, "max_fpr", fpr), Metrics.ChooseThreshold(truth, score, "max_fpr", fpr));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Validation_rows_of_one_class_keep_the_default_threshold_instead_of_calling_every_row_positive(int onlyClass)
    {
        int[] truth = [onlyClass, onlyClass, onlyClass, -1];
        double[] score = [0.01, 0.2, 0.3, 0.9];
        Assert.Equal(0.5, Metrics.ChooseThreshold(truth, score, "f1", null));
        Assert.Equal(0.5, Metrics.ChooseThreshold(truth, score, "max_fpr", 0.01));
    }

    [Fact]
    public void A_diverged_network_s_nan_scores_are_never_a_threshold()
    {
        int[] truth = [0, 0, 1, 1, 1];
        double[] score = [double.NaN, 0.1, 0.8, double.NaN, 0.9];
        foreach (var (rule, fpr) in new[] { ("f1", (double?)null), ("max_fpr", 0.5) })
        {
            var t = Metrics.ChooseThreshold(truth, score, rule, fpr);
            Assert.True(double.IsFinite(t), $"{rule}: {t}");
            Assert.InRange(t, 0.1, 0.8);
        }
        Assert.Equal(0.5, Metrics.ChooseThreshold(truth, [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN], "f1", null));
    }

    [Fact]
    public void A_large_validation_split_is_swept_once()
    {
        var (truth, score) = Rows(200_000, 4, 0);
        var watch = Stopwatch.StartNew();
        Metrics.ChooseThreshold(truth, score, "f1", null);
        Metrics.ChooseThreshold(truth, score, "max_fpr", 0.01);
        Assert.True(watch.Elapsed.TotalSeconds < 5, $"{watch.Elapsed.TotalSeconds:0.0} s for two rules on 200,000 rows");
    }
}
