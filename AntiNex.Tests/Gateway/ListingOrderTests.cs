using AntiNex.Gateway.Cluster;

namespace AntiNex.Tests.Gateway;

/// <summary>A model listing asks reachable nodes before unreachable ones: a node that just died is still Up until it is
/// removed, and asked first it would hold the listing for the whole timeout.</summary>
public sealed class ListingOrderTests
{
    [Fact]
    public void Unreachable_nodes_are_asked_last_whatever_the_shuffle()
    {
        string[] members = ["a", "dead-1", "b", "c", "dead-2"];
        for (var seed = 0; seed < 50; seed++)
        {
            var order = GatewayClient.ReachableFirst(members, m => m.StartsWith("dead", StringComparison.Ordinal), new Random(seed)).ToList();
            Assert.Equal(members.Order(), order.Order());
            Assert.All(order.Take(3), m => Assert.DoesNotContain("dead", m));
        }
    }

    [Fact]
    public void Reachable_nodes_are_shuffled_so_listings_spread_over_them()
    {
        string[] members = ["a", "b", "c"];
        var firsts = Enumerable.Range(0, 60).Select(seed => GatewayClient.ReachableFirst(members, _ => false, new Random(seed)).First()).ToHashSet();
        Assert.Equal(3, firsts.Count);
    }
}
