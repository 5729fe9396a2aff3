namespace AntiNex.Learning.Selection;

/// <summary>
/// How sure the selection rows are that one candidate's macro-F1 is above another's (or its MSE below). Macro-F1 weighs every class alike, so
/// on a dataset with rare classes one or two selection rows of a rare class decide it: a difference that size is noise,
/// and serving on it lost to the reference tree on held-out rows. Resampling the selection rows with replacement (the same
/// draw for both candidates) shows how often the difference holds.
/// </summary>
internal static class PairedBootstrap
{
    /// <summary>Resamples drawn; 200 put the share's standard error near 1.5 points at the 95 % bar.</summary>
    public const int Resamples = 200;

    /// <summary>The share of resamples of the rows on which <paramref name="challenger"/>'s macro-F1 is strictly above
    /// <paramref name="reference"/>'s. Deterministic for a seed.</summary>
    public static double ShareAhead(int[] truth, int[] challenger, int[] reference, int k, int seed)
    {
        int n = truth.Length;
        if (n == 0) return 0;
        var rng = new Random(seed);
        var counts = new int[n];
        var a = new long[3 * k];
        var b = new long[3 * k];
        int ahead = 0;
        for (int r = 0; r < Resamples; r++)
        {
            Array.Clear(counts);
            for (int j = 0; j < n; j++) counts[rng.Next(n)]++;
            Array.Clear(a);
            Array.Clear(b);
            for (int i = 0; i < n; i++)
            {
                if (counts[i] == 0) continue;
                Scores.Tally(a, truth[i], challenger[i], counts[i]);
                Scores.Tally(b, truth[i], reference[i], counts[i]);
            }
            if (Scores.MacroF1(a, k) > Scores.MacroF1(b, k) + 1e-12) ahead++;
        }
        return (double)ahead / Resamples;
    }

    /// <summary>The share of resamples of the rows on which <paramref name="challenger"/>'s mean squared error is strictly
    /// below <paramref name="reference"/>'s (a regression's selection; the squared errors per row). Deterministic for a seed.</summary>
    public static double ShareLower(double[] challenger, double[] reference, int seed)
    {
        int n = challenger.Length;
        if (n == 0) return 0;
        var rng = new Random(seed);
        int lower = 0;
        for (int r = 0; r < Resamples; r++)
        {
            double difference = 0; // the sums differ by the sum of the per-row differences: one pass, no per-draw arrays
            for (int j = 0; j < n; j++)
            {
                int i = rng.Next(n);
                difference += challenger[i] - reference[i];
            }
            if (difference < -1e-12 * n) lower++;
        }
        return (double)lower / Resamples;
    }
}
