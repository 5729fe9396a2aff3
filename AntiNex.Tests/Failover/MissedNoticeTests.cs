using System.Diagnostics;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AntiNex.Tests.Failover;

/// <summary>A forget notice travels over DistributedPubSub, at most once. Here a label leaves the catalog without any
/// notice (as a node that missed it sees the cluster): its replica is dropped within a few catalog reads and not placed
/// again, while another label keeps its replica and the label's writer still answers.</summary>
[Collection("cluster-processes")]
public sealed class MissedNoticeTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private const string Prefix = "antinex:";

    [Fact]
    public async Task A_replica_whose_label_left_the_catalog_without_a_notice_is_dropped()
    {
        await StartThreeNodesAsync();
        var gateway = await ConnectGatewayAsync();
        await TrainAsync(gateway, "Miss-A");
        await TrainAsync(gateway, "Miss-B");
        var replicaA = await WaitForReplicaAsync(gateway, "miss-a", 1);
        await WaitForReplicaAsync(gateway, "miss-b", 1);
        Log.Step($"miss-a: replica on {replicaA.Node}");

        // What a forget leaves in the catalog, without the notice.
        using (var mux = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString))
        {
            var db = mux.GetDatabase();
            Assert.True(await db.SetRemoveAsync($"{Prefix}{RedisModelCatalog.SetName}", "miss-a"));
            Assert.True(await db.HashDeleteAsync($"{Prefix}{RedisModelCatalog.CardsName}", "miss-a"));
            await db.StringIncrementAsync($"{Prefix}{RedisModelCatalog.GenerationName}");
        }
        var clock = Stopwatch.StartNew();
        while (gateway.Copies.Current("miss-a").Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(250);
        Log.Step($"miss-a: replicas left {gateway.Copies.Current("miss-a").Count} after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Empty(gateway.Copies.Current("miss-a"));
        Assert.Contains(Nodes, n => File.ReadAllText(n.LogPath).Contains("replica miss-a: not in the catalog", StringComparison.Ordinal));

        // Not placed again (another node's report may still name it for a moment); the other label is untouched.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Empty(gateway.Copies.Current("miss-a"));
        Assert.NotEmpty(gateway.Copies.Current("miss-b"));
        var a = await gateway.PredictRowsAsync("miss-a", Data.RawRows(await FeaturesAsync(gateway, "miss-a"), 2), AskTimeout);
        Assert.True(a is RowsPredicted, Describe(a)); // the writer still holds the model
        Passed();
    }

    private static async Task<IReadOnlyList<string>> FeaturesAsync(GatewayClient gateway, string id)
        => ((ModelDescription)await gateway.DescribeAsync(id, AskTimeout)).Summary!.InputFeatures;
}
