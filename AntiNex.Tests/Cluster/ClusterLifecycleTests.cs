using System.Diagnostics;
using System.Text.Json;
using AntiNex.Models;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>
/// 3 nodes + gateway as separate processes with a real redis-server: 6 labels spread over the nodes; kill -9 of a
/// node → its labels answer from another node with identical predictions; a 4th node takes shards over → identical
/// predictions; a whole-cluster restart → every model back from Redis, identical predictions.
/// </summary>
[Collection("cluster-processes")]
public sealed class ClusterLifecycleTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private static readonly string[] Labels = ["Scan-A", "Scan-B", "Scan-C", "Scan-D", "Scan-E", "Scan-F"];

    [Fact]
    public async Task Models_spread_survive_kill9_rebalance_onto_a_new_node_and_a_full_restart()
    {
        await StartThreeNodesAsync();
        var gateway = await ConnectGatewayAsync();

        // ---- train 6 labels concurrently; they spread over the nodes ----
        var trained = await Task.WhenAll(Labels.Select(l => TrainAsync(gateway, l)));
        var nodesUsed = trained.Select(t => t.Node).Distinct().ToList();
        Log.Step($"trained 6 labels on {string.Join(", ", trained.Select(t => $"{t.Label}@{t.Node}"))}");
        Assert.True(nodesUsed.Count >= 2, $"6 labels all landed on {nodesUsed[0]}");
        Assert.All(trained, t => Assert.Equal(1, t.Version));

        var baseline = new Dictionary<string, string>();
        foreach (var label in Labels) baseline[label] = TestData.Fingerprint(await PredictAsync(gateway, label));

        // ---- the console shows them: models (every label, version, node) and status (members, shards) ----
        var seed = $"akka.tcp://antinex@127.0.0.1:{SeedPorts[1]}";
        var models = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(2), "models", "--seed-node", seed, "--json");
        Assert.True(models.ExitCode == 0, models.Stderr);
        using (var doc = JsonDocument.Parse(models.Stdout))
        {
            var listed = doc.RootElement.GetProperty("models").EnumerateArray()
                .Select(m => (Label: m.GetProperty("label").GetString()!, Node: m.GetProperty("node").GetString()!,
                    Version: m.GetProperty("version").GetInt64()))
                .ToList();
            Assert.Equal(Labels.Order(), listed.Select(m => m.Label).Order());
            Assert.All(listed, m => Assert.Equal(1, m.Version));
            Assert.True(listed.Select(m => m.Node).Distinct().Count() >= 2);
        }
        var status = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(2), "status", "--seed-node", seed, "--json");
        Assert.True(status.ExitCode == 0, status.Stderr);
        using (var doc = JsonDocument.Parse(status.Stdout))
        {
            var members = doc.RootElement.GetProperty("members").EnumerateArray().ToList();
            var modelMembers = members.Where(m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "model")).ToList();
            Assert.Equal(3, modelMembers.Count);
            Assert.All(modelMembers, m => Assert.Equal("Up", m.GetProperty("status").GetString()));
            Assert.Equal(6, modelMembers.Sum(m => m.GetProperty("entities").GetInt32()));
            Assert.Contains(members, m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "gateway"));
        }
        Log.Step("models/status via the CLI list 6 models over 3 model nodes");

        // ---- kill -9 the node holding the first label ----
        var victimName = trained[0].Node;
        var victim = NodeNamed(victimName);
        var affected = trained.Where(t => t.Node == victimName).Select(t => t.Label).ToList();
        var clock = Stopwatch.StartNew();
        victim.Kill9();
        var afterKill = await PredictAsync(gateway, affected[0]);
        Log.Step($"kill -9 {victimName}: first predict of {affected[0]} answered by {afterKill.Node} after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.NotEqual(victimName, afterKill.Node);
        Assert.Equal(baseline[Labels.First(l => ModelIds.FromLabel(l) == affected[0])], TestData.Fingerprint(afterKill));
        await AssertAllIdenticalAsync(gateway, baseline);

        // ---- a 4th node joins: shards rebalance onto it ----
        var fourth = StartNode(FreePorts.Take());
        await fourth.WaitReadyAsync(Ready);
        clock.Restart();
        var rebalanced = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(90) && !rebalanced)
        {
            var s = await gateway.StatusAsync(TimeSpan.FromSeconds(10));
            rebalanced = s.Members.Any(m => m.Address == fourth.Address && m.Shards > 0);
            if (!rebalanced) await Task.Delay(500);
        }
        Log.Step($"4th node {fourth.Name} holds shards after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(rebalanced, "no shard moved to the 4th node within 90 s");
        // The node times its own way in (member Up, first shards held), for the join figures of deploy/bench-scale.sh.
        List<string> timeline = [];
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(10) && timeline.Count < 2; await Task.Delay(200))
            timeline = fourth.Tail(100_000).Split('\n').Where(l => l.Contains("node timeline:")).ToList();
        Log.Step(string.Join(" | ", timeline.Select(l => l[l.IndexOf("node timeline:", StringComparison.Ordinal)..])));
        Assert.Contains(timeline, l => l.Contains("member Up"));
        Assert.Contains(timeline, l => l.Contains("shards") && l.Contains("after process start"));
        await AssertAllIdenticalAsync(gateway, baseline);
        var onFourth = 0;
        foreach (var label in Labels)
            if (((ModelDescription)await gateway.DescribeAsync(ModelIds.FromLabel(label), AskTimeout)).Node == fourth.Name) onFourth++;
        Log.Step($"{onFourth} of 6 models now on the 4th node");

        // ---- stop everything, start a fresh 3-node cluster: every model comes back from Redis ----
        await DisconnectAsync(gateway);
        await Task.WhenAll(Nodes.Where(n => !n.HasExited).Select(n => n.TerminateAsync(TimeSpan.FromSeconds(60))));
        Log.Step("whole cluster stopped (SIGTERM)");
        await StartThreeNodesAsync();
        gateway = await ConnectGatewayAsync();
        var back = await gateway.ModelsAsync(AskTimeout);
        Assert.Equal(Labels.Order(), back.Models.Select(m => m.Label).Order());
        Assert.All(back.Models, m => Assert.Equal(1, m.Version));
        await AssertAllIdenticalAsync(gateway, baseline);
        Log.Step("after a full restart every model is back with identical predictions");
        Passed();
    }

    private async Task AssertAllIdenticalAsync(global::AntiNex.Gateway.Cluster.GatewayClient gateway, Dictionary<string, string> baseline)
    {
        foreach (var (label, fingerprint) in baseline)
        {
            var p = await PredictAsync(gateway, label);
            Assert.True(fingerprint == TestData.Fingerprint(p), $"{label} on {p.Node} predicts differently");
        }
    }
}
