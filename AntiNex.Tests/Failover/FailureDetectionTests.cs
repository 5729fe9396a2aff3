using Akka.Actor;
using AntiNex.Cluster;

namespace AntiNex.Tests.Failover;

public sealed class FailureDetectionTests
{
    [Theory]
    [InlineData(1, 4)]
    [InlineData(3, 4)]
    [InlineData(4, 6)]
    [InlineData(5, 7)]
    [InlineData(10, 10)]
    [InlineData(20, 13)]
    [InlineData(50, 17)]
    [InlineData(100, 20)]
    [InlineData(1000, 30)]
    [InlineData(100_000, 30)]
    public void Stable_after_follows_akkas_rule_of_thumb_for_the_cluster_size(int size, int seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), FailureDetection.StableAfterFor(size));

    [Fact]
    public void The_removal_margin_is_half_of_stable_after_but_never_under_2_s_and_both_can_be_set()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), new FailureDetection { ClusterSize = 3 }.EffectiveRemovalMargin);
        Assert.Equal(TimeSpan.FromSeconds(10), new FailureDetection { ClusterSize = 100 }.EffectiveRemovalMargin);
        Assert.Equal(TimeSpan.FromSeconds(5), new FailureDetection { ClusterSize = 10 }.EffectiveRemovalMargin);
        var set = new FailureDetection { StableAfter = TimeSpan.FromSeconds(8), DownRemovalMargin = TimeSpan.FromSeconds(8) };
        Assert.Equal(TimeSpan.FromSeconds(8), set.EffectiveStableAfter);
        Assert.Equal(TimeSpan.FromSeconds(8), set.EffectiveRemovalMargin);
        Assert.Equal(DowningStrategy.KeepOldest, FailureDetection.ParseStrategy("keep-oldest"));
        Assert.Contains("keep-majority or keep-oldest", Assert.Throws<ArgumentException>(() => FailureDetection.ParseStrategy("down-all")).Message);
    }

    [Fact]
    public void A_stopping_member_waits_for_its_hand_off_longer_than_the_hand_off_timeout()
    {
        var hocon = Akka.Configuration.ConfigurationFactory.ParseString(AntiNexClusterHosting.SharedHocon(
            new AntiNexClusterOptions { Failure = new FailureDetection { HandOffTimeout = TimeSpan.FromSeconds(40) } }));
        Assert.Equal(TimeSpan.FromSeconds(40), hocon.GetTimeSpan("akka.cluster.sharding.handoff-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(45), hocon.GetTimeSpan("akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout"));
    }

    private static readonly Address Self = Address.Parse("akka.tcp://antinex@h:1");
    private static readonly Address Two = Address.Parse("akka.tcp://antinex@h:2");
    private static readonly Address Three = Address.Parse("akka.tcp://antinex@h:3");

    [Fact]
    public void The_join_guard_never_lists_itself_while_other_members_are_alive()
    {
        Assert.Equal([Three, Two], JoinGuard.SeedsFor(Self, [Self, Two], [Self, Three]));
        Assert.Equal([Self, Two], JoinGuard.SeedsFor(Self, [Self, Two], [Self]));     // only its own stale record
        Assert.Equal([Self, Two], JoinGuard.SeedsFor(Self, [Self, Two], []));          // nothing alive: Akka's seed order
        Assert.Equal([Self], JoinGuard.SeedsFor(Self, [], []));                          // no seeds: a new cluster
        Assert.Equal([Two], JoinGuard.SeedsFor(Self, [], [Two]));
    }

    [Fact]
    public void A_gateway_reads_the_nodes_failure_settings_from_the_same_variables()
    {
        var vars = new Dictionary<string, string>
        {
            ["ANTINEX_ClusterSize"] = "20", ["ANTINEX_Downing"] = "keep-oldest", ["ANTINEX_AcceptableHeartbeatPause"] = "10s",
        };
        var read = FailureDetection.FromVariables(k => vars.GetValueOrDefault(k));
        Assert.Equal(DowningStrategy.KeepOldest, read.Strategy);
        Assert.Equal(TimeSpan.FromSeconds(13), read.EffectiveStableAfter);
        Assert.Equal(TimeSpan.FromSeconds(10), read.AcceptableHeartbeatPause);
        Assert.Equal(new FailureDetection(), FailureDetection.FromVariables(_ => null));
        vars["ANTINEX_StableAfter"] = "soon";
        var refused = Assert.Throws<ArgumentException>(() => FailureDetection.FromVariables(k => vars.GetValueOrDefault(k)));
        Assert.Contains("ANTINEX_StableAfter", refused.Message);
    }
}
