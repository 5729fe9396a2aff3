using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Tests.Gateway;

/// <summary>The hedge delay of small predicts: it follows recent answer times within its bounds, and falls back to the
/// fixed delay when too many requests were hedged.</summary>
public sealed class AdaptiveHedgeTests
{
    private static readonly HedgeOptions Options = new();

    [Fact]
    public void Before_enough_answers_small_requests_wait_the_fixed_delay()
    {
        var hedge = new AdaptiveHedge(Options);
        for (int i = 0; i < 100; i++) hedge.Answered(TimeSpan.FromMilliseconds(0.4));
        Assert.Equal(Options.Delay, hedge.Delay);
    }

    [Fact]
    public void The_delay_is_the_95th_percentile_of_recent_answers()
    {
        var hedge = new AdaptiveHedge(Options);
        // 512 answers: 90 % at 2 ms, 10 % at 8 ms -> the 95th percentile is 8 ms.
        for (int i = 0; i < 512; i++) hedge.Answered(TimeSpan.FromMilliseconds(i % 10 == 0 ? 8 : 2));
        Assert.Equal(TimeSpan.FromMilliseconds(8), hedge.Delay);
        // Then faster answers replace them: 512 at 3 ms.
        for (int i = 0; i < 512; i++) hedge.Answered(TimeSpan.FromMilliseconds(3));
        Assert.Equal(TimeSpan.FromMilliseconds(3), hedge.Delay);
    }

    [Fact]
    public void The_delay_stays_within_its_bounds()
    {
        var fast = new AdaptiveHedge(Options);
        for (int i = 0; i < 512; i++) fast.Answered(TimeSpan.FromMilliseconds(0.2));
        Assert.Equal(Options.MinDelay, fast.Delay);

        var slow = new AdaptiveHedge(Options);
        for (int i = 0; i < 512; i++) slow.Answered(TimeSpan.FromSeconds(1));
        Assert.Equal(Options.Delay, slow.Delay);
    }

    [Fact]
    public void Over_the_hedge_budget_small_requests_wait_the_fixed_delay()
    {
        var hedge = new AdaptiveHedge(Options, clock: () => 0); // one budget window for the whole test
        for (int i = 0; i < 512; i++) hedge.Answered(TimeSpan.FromMilliseconds(2));
        for (int i = 0; i < 20; i++) Assert.Equal(TimeSpan.FromMilliseconds(2), hedge.Delay);
        for (int i = 0; i < 5; i++) hedge.Hedged(); // 5 of 20 requests hedged: over the 10 % share
        Assert.Equal(Options.Delay, hedge.Delay);
    }

    [Fact]
    public void Only_small_predicts_are_hedged_early()
    {
        Assert.True(AdaptiveHedge.IsSmall(new PredictRawRows("a", 4, new float[4 * 64])));
        Assert.False(AdaptiveHedge.IsSmall(new PredictRawRows("a", 4, new float[4 * 65])));
        Assert.True(AdaptiveHedge.IsSmall(new PredictModel("a", "{\"predict_rows\": [{\"x\": 1}]}")));
        Assert.False(AdaptiveHedge.IsSmall(new PredictModel("a", new string(' ', 5000))));
    }
}
