using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Tests.Gateway;

/// <summary>The hedge delay of big row blocks: a fixed allowance per row until answers were seen, then a few times the
/// label's recent time per row (bounded), so a loaded copy is not sent the same big block twice.</summary>
public sealed class BlockHedgeTests
{
    private static readonly HedgeOptions Options = new();

    private static PredictRawRows Block(string label, int rows) => new(label, 2, new float[2 * rows]);

    [Fact]
    public void Before_any_answer_a_block_waits_the_fixed_delay_and_its_allowance_per_row()
    {
        var hedge = new BlockHedge(Options);
        Assert.Equal(Options.Delay + Options.PerRow * 10_000, hedge.Delay(Block("a", 10_000)));
    }

    [Fact]
    public void Slow_answers_of_big_blocks_raise_the_delay_of_that_label_only_and_within_its_bound()
    {
        var hedge = new BlockHedge(Options);
        hedge.Answered(Block("a", 10_000), TimeSpan.FromSeconds(1)); // 100 µs a row
        Assert.Equal(TimeSpan.FromSeconds(3), hedge.Delay(Block("a", 10_000)));
        Assert.Equal(Options.MaxBlockDelay, hedge.Delay(Block("a", 100_000)));
        Assert.Equal(Options.Delay + Options.PerRow * 10_000, hedge.Delay(Block("b", 10_000)));
        // Small blocks neither count nor wait longer: their time is mostly per message, not per row.
        hedge.Answered(Block("b", 10), TimeSpan.FromSeconds(1));
        Assert.Equal(Options.Delay + Options.PerRow * 10, hedge.Delay(Block("a", 10)));
        Assert.Equal(Options.Delay + Options.PerRow * 10_000, hedge.Delay(Block("b", 10_000)));
    }

    [Fact]
    public void Fast_answers_never_lower_the_delay_below_the_fixed_allowance()
    {
        var hedge = new BlockHedge(Options);
        for (int i = 0; i < 20; i++) hedge.Answered(Block("a", 10_000), TimeSpan.FromMilliseconds(15));
        Assert.Equal(Options.Delay + Options.PerRow * 10_000, hedge.Delay(Block("a", 10_000)));
    }
}
