using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>The entity's check of a raw-row block: the first value that is not finite is named by row and feature, wherever
/// it sits (inside a vector-wide stretch or in the tail), and a block of finite values passes.</summary>
public class RowBlockValidationTests
{
    private static readonly string[] Features = ["a", "b", "c"];

    [Theory]
    [InlineData(0, float.NaN)]
    [InlineData(7, float.PositiveInfinity)]
    [InlineData(31, float.NegativeInfinity)]
    [InlineData(2_998, float.NaN)] // in the tail after the last whole vector
    [InlineData(2_999, float.PositiveInfinity)]
    public void The_first_non_finite_value_is_named_by_row_and_feature(int at, float bad)
    {
        var values = Enumerable.Range(0, 3_000).Select(k => (float)(k % 17) - 8.5f).ToArray();
        values[at] = bad;
        if (at + 40 < values.Length) values[at + 40] = float.NaN; // a later one is not the one named
        var issue = RowBatcher.Validate(new PredictRawRows("m", 3, values), Features);
        Assert.NotNull(issue);
        Assert.Equal($"rows[{at / 3}][{at % 3}]", issue.Field);
        Assert.Contains($"feature '{Features[at % 3]}' is not a finite number", issue.Message);
    }

    [Fact]
    public void Finite_extremes_pass()
    {
        float[] values = [float.MaxValue, float.MinValue, float.Epsilon, -0f, 0f, 1e30f, -1e30f, 3, 4, 5, 6, 7, 8, 9, 10,
            11, 12, 13, 14, 15, 16, 17, 18, 19];
        Assert.Null(RowBatcher.Validate(new PredictRawRows("m", 3, values), Features));
    }
}
