using System.Diagnostics;
using System.Globalization;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using Xunit.Abstractions;

namespace AntiNex.Tests.Failover;

/// <summary>A node that stalls (SIGSTOP for 30 s, then SIGCONT) while it holds a label's writer: predicts keep flowing
/// from the other copies during the stall, the stalled node is downed, and the label ends with one writer elsewhere.</summary>
[Collection("cluster-processes")]
public sealed class StalledNodeTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task Predicts_keep_flowing_while_the_writers_node_is_stopped_for_30_s()
    {
        await StartThreeNodesAsync();
        var gateway = await ConnectGatewayAsync();
        var a = await TrainAsync(gateway, "Stall-A");
        await TrainAsync(gateway, "Stall-B");
        var features = ((ModelDescription)await gateway.DescribeAsync("stall-a", AskTimeout)).Summary!.InputFeatures;
        var rows = Data.RawRows(features, 2);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && (gateway.Copies.Current("stall-a").Count == 0 || gateway.Copies.Current("stall-b").Count == 0))
            await Task.Delay(250);

        var load = PredictLoad.Start(gateway, ["stall-a", "stall-b"], rows, Describe);

        await Task.Delay(TimeSpan.FromSeconds(3));
        var victim = NodeNamed(a.Node);
        Signal("STOP", victim.Pid);
        Log.Step($"SIGSTOP {a.Node} (writer of stall-a)");
        await Task.Delay(TimeSpan.FromSeconds(30));
        Signal("CONT", victim.Pid);
        Log.Step("SIGCONT");
        await Task.Delay(TimeSpan.FromSeconds(5));
        await load.StopAsync();
        Log.Step($"{load.Served} predicts served during the stall, {load.Errors.Count} failed, " +
            $"longest gap between answers {load.LongestGapMs} ms");
        Assert.True(load.Errors.IsEmpty, string.Join("\n", load.Errors.Take(10)));
        Assert.True(load.Served > 100, $"only {load.Served} predicts");

        // One writer per label afterwards, not on the stalled node (it was downed while stopped).
        var description = Assert.IsType<ModelDescription>(await gateway.DescribeAsync("stall-a", AskTimeout));
        Assert.NotEqual(a.Node, description.Node);
        Assert.Equal(1, description.Version);
        Passed();
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill?.WaitForExit();
    }
}
