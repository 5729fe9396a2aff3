using AntiNex.Learning;
using AntiNex.Learning.Selection;

namespace AntiNex.Tests.Learning;

/// <summary>
/// How sure the selection rows are that a multi-class candidate's macro-F1 is above the reference tree's. One or two rows
/// of a rare class move macro-F1 a lot; the bootstrap tells that apart from a difference across many rows.
/// </summary>
public class PairedBootstrapTests
{
    [Fact]
    public void Equal_predictions_are_never_ahead()
        => Assert.Equal(0, PairedBootstrap.ShareAhead([0, 1, 2, 2, 1], [0, 1, 1, 2, 1], [0, 1, 1, 2, 1], 3, 1));

    [Fact]
    public void A_candidate_better_on_many_rows_of_every_class_is_ahead_on_every_resample()
    {
        var truth = Enumerable.Range(0, 600).Select(i => i % 3).ToArray();
        var better = truth.Select((t, i) => i % 20 == 0 ? (t + 1) % 3 : t).ToArray(); // 5 % wrong
        var worse = truth.Select((t, i) => i % 5 == 0 ? (t + 1) % 3 : t).ToArray();   // 20 % wrong
        Assert.Equal(1.0, PairedBootstrap.ShareAhead(truth, better, worse, 3, 7));
        Assert.Equal(0.0, PairedBootstrap.ShareAhead(truth, worse, better, 3, 7));
    }

    [Fact]
    public void One_row_of_a_rare_class_is_a_large_macro_f1_difference_but_not_a_sure_one()
    {
        // 1,000 rows of two common classes, both candidates right; two rows of a rare class: the challenger gets one of them.
        var truth = Enumerable.Range(0, 1000).Select(i => i % 2).Concat([2, 2]).ToArray();
        var reference = truth.Select(t => t == 2 ? 0 : t).ToArray();
        var challenger = (int[])reference.Clone();
        challenger[1000] = 2;
        double macroGap = Scores.MacroF1(truth, challenger, 3) - Scores.MacroF1(truth, reference, 3);
        Assert.True(macroGap > 0.2, $"macro-F1 gap {macroGap}"); // what the plain highest score used to serve on
        double share = PairedBootstrap.ShareAhead(truth, challenger, reference, 3, 1);
        // Ahead exactly when the resample draws that row (1 - 1/e of the time), so well short of the 95 % bar.
        Assert.InRange(share, 0.5, 0.8);
        Assert.Equal(share, PairedBootstrap.ShareAhead(truth, challenger, reference, 3, 1)); // deterministic for a seed
    }

    [Fact]
    public void A_lower_mse_is_sure_when_it_holds_row_by_row_and_not_when_one_row_makes_it()
    {
        var rng = new Random(3);
        var reference = Enumerable.Range(0, 500).Select(_ => rng.NextDouble()).ToArray();
        Assert.Equal(0.0, PairedBootstrap.ShareLower(reference, reference, 1)); // equal errors are never lower
        var better = reference.Select(e => e * 0.9).ToArray();
        Assert.Equal(1.0, PairedBootstrap.ShareLower(better, reference, 1));
        Assert.Equal(0.0, PairedBootstrap.ShareLower(reference, better, 1));
        // Lower overall by one row's large gain, level elsewhere: lower only when the resample draws that row.
        var challenger = (double[])reference.Clone();
        reference[0] = 50;
        double share = PairedBootstrap.ShareLower(challenger, reference, 2);
        Assert.InRange(share, 0.5, 0.8);
        Assert.Equal(share, PairedBootstrap.ShareLower(challenger, reference, 2)); // deterministic for a seed
    }
}
