using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Failover;

/// <summary>A node restarted with itself as its only seed while the cluster runs (the mistake that once formed a second
/// cluster on the same Redis): it joins the live cluster instead, and the label keeps one writer.</summary>
[Collection("cluster-processes")]
public sealed class JoinGuardTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task A_first_seed_restarted_alone_joins_the_live_cluster_instead_of_forming_a_second_one()
    {
        var nodes = await StartThreeNodesAsync();
        var gateway = await ConnectGatewayAsync();
        var first = await TrainAsync(gateway, "Guard-A");
        Assert.Equal(1, first.Version);

        nodes[0].Kill9();
        var restarted = StartNodeWithSeeds(SeedPorts[0], [nodes[0].Address]);
        await restarted.WaitReadyAsync(Ready);
        Log.Step($"{restarted.Name} restarted with itself as its only seed");

        // A gateway that knows only the restarted node sees the other two members: one cluster.
        await using var throughRestarted = await GatewayClient.ConnectAsync(new GatewayOptions
        {
            Seeds = [restarted.Address], JoinTimeout = TimeSpan.FromSeconds(60), Tls = TestPki.Gateway.Settings,
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        IReadOnlyList<MemberStatusRow> models = [];
        while (DateTime.UtcNow < deadline)
        {
            models = (await throughRestarted.StatusAsync(TimeSpan.FromSeconds(10))).Members.Where(m => m.Roles.Contains("model")).ToList();
            if (models.Count(m => m.Status == "Up" && !m.Unreachable) == 3) break;
            await Task.Delay(500);
        }
        Log.Step("members seen through the restarted node: " + string.Join(", ", models.Select(m => $"{m.Address} {m.Status}")));
        Assert.Contains(models, m => m.Address == nodes[1].Address && m.Status == "Up");
        Assert.Contains(models, m => m.Address == nodes[2].Address && m.Status == "Up");

        // Trains through either side reach the same single writer: versions 2 then 3, both visible everywhere.
        var second = await throughRestarted.TrainAsync("guard-a", Data.TrainJson("Guard-A"), TrainTimeout);
        Assert.Equal(2, Assert.IsType<ModelTrainedReply>(second).Version);
        var third = await TrainAsync(gateway, "Guard-A");
        Assert.Equal(3, third.Version);
        var seen = Assert.IsType<ModelDescription>(await throughRestarted.DescribeAsync("guard-a", AskTimeout));
        Assert.Equal(3, seen.Version);
        Passed();
    }
}
