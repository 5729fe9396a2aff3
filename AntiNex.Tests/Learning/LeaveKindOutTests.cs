using AntiNex.Learning.Selection;

namespace AntiNex.Tests.Learning;

/// <summary>The leave-attack-kind-out split: the fit it leaves must still hold a normal and an attack row, or there is none.</summary>
public class LeaveKindOutTests
{
    // Rows 0..9 normal (class 0), row 10 of kind aaa, row 11 of kind bbb (class 1). aaa ranks first (ties by name) and
    // stays; bbb is held out.
    private static readonly string[] Kinds = [.. Enumerable.Repeat("normal", 10), "aaa", "bbb"];
    private static readonly int[] Classes = [.. Enumerable.Repeat(0, 10), 1, 1];
    private static readonly int[] Train = [.. Enumerable.Range(0, 12)];

    [Fact]
    public void Two_kinds_with_a_kept_attack_row_among_the_fitting_rows_split()
    {
        int[] fit = [0, 1, 2, 3, 4, 5, 6, 7, 10, 11], selection = [8, 9];
        var lao = LeaveKindOut.Of(Kinds, Classes, 0, fit, Train, selection, out var none);
        Assert.NotNull(lao);
        Assert.Null(none);
        Assert.Equal(["bbb"], lao.HeldOutKinds);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 10], lao.Fit);
        Assert.Equal([11, 8, 9], lao.Evaluate);
    }

    [Fact]
    public void A_fit_left_without_an_attack_row_is_no_split_and_says_why()
    {
        // aaa's only row is a selection row, bbb's is held out: the fit would be all normal.
        int[] fit = [0, 1, 2, 3, 4, 5, 6, 7, 11], selection = [8, 9, 10];
        Assert.Null(LeaveKindOut.Of(Kinds, Classes, 0, fit, Train, selection));
        Assert.Null(LeaveKindOut.Of(Kinds, Classes, 0, fit, Train, selection, out var none));
        Assert.Contains("no attack row", none, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_attack_kind_is_no_split_and_says_why()
    {
        string[] kinds = [.. Enumerable.Repeat("normal", 10), "aaa", "aaa"];
        Assert.Null(LeaveKindOut.Of(kinds, Classes, 0, Train, Train, [], out var none));
        Assert.Contains("1 attack kind", none, StringComparison.Ordinal);
    }
}
