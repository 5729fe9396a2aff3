using System.Text.Json;
using AntiNex.Models;
using AntiNex.Requests;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>`antinex-gateway search` against a real 2-node cluster (separate processes, real Redis, real training).</summary>
[Collection("cluster-processes")]
public sealed class ClusterSearchTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private const string Space = """
        { "hidden_layers": [[8], [16], [16, 8]], "learning_rate": [0.01, 0.03], "batch_size": [32, 64], "scaler": ["minmax", "standard"] }
        """;

    [Fact]
    public async Task A_search_runs_trials_on_both_nodes_and_the_best_is_retrained_stored_and_served()
    {
        const string label = "Search-Label";
        var request = Path.Combine(WorkDir, "search-request.json");
        var space = Path.Combine(WorkDir, "space.json");
        var best = Path.Combine(WorkDir, "best.json");
        File.WriteAllText(request, Data.TrainJson(label, epochs: 2));
        File.WriteAllText(space, Space);

        // Bad input is refused before anything connects, naming the field.
        File.WriteAllText(Path.Combine(WorkDir, "bad-space.json"), """{"learning_rate": [0.01, -2]}""");
        var bad = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "search", "-f", request, "--trials", "3", "--space",
            Path.Combine(WorkDir, "bad-space.json"),
            "--seed-node", "akka.tcp://antinex@127.0.0.1:1");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("space.learning_rate: must be a non-empty list of numbers > 0", bad.Stderr);

        var nodes = new[] { StartNode(SeedPorts[0]), StartNode(SeedPorts[1]) };
        await Task.WhenAll(nodes.Select(n => n.WaitReadyAsync(Ready)));
        Log.Step("2 nodes ready");

        var run = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(5), "search", "-f", request, "--trials", "6", "--space", space, "--folds", "2",
            "--seed", "3", "--out", best, "--json", "--seed-node", nodes[0].Address, "--seed-node", nodes[1].Address);
        Log.Step($"search exited {run.ExitCode}");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\nstdout: {run.Stdout}\nstderr: {run.Stderr}");
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal(6, root.GetProperty("trials").GetInt32());
        Assert.Equal(6, root.GetProperty("scored").GetInt32());
        // Trials ran on BOTH nodes (pull-based dispatch over every model node's slot).
        var perNode = root.GetProperty("nodes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(nodes.Select(n => n.Name).Order(), perNode.Keys.Order());
        Assert.All(perNode.Values, count => Assert.True(count >= 1));
        var board = root.GetProperty("leaderboard").EnumerateArray().Select(e => e.GetProperty("cv_mean").GetDouble()).ToList();
        Assert.Equal(board.OrderDescending(), board);
        var bestTrial = root.GetProperty("best");
        var bestCv = bestTrial.GetProperty("cv_mean").GetDouble();
        Assert.Equal(board[0], bestCv);

        // The best configuration, as a request file `train` accepts: the winning values, the base request's num_splits.
        var bestRequest = AntiNexRequest.Parse(File.ReadAllText(best), out _);
        Assert.Equal(label, bestRequest.Label);
        Assert.Equal(2, bestRequest.NumSplits);
        var config = bestTrial.GetProperty("config").GetString()!;
        Assert.StartsWith(string.Join("x", bestRequest.Layers!.SkipLast(1).Select(l => l.Units)) + " ", config);

        // Retrained under the label through the normal train path: stored (version 1), same CV as the winning trial
        // (same seed, same training rows, same folds), and served.
        var retrained = root.GetProperty("retrained");
        Assert.Equal(1, retrained.GetProperty("version").GetInt64());
        Assert.Equal(bestCv, retrained.GetProperty("cv_mean").GetDouble(), 6);
        var gateway = await ConnectGatewayAsync();
        var description = (ModelDescription)await gateway.DescribeAsync(ModelIds.FromLabel(label), AskTimeout);
        Assert.True(description.Trained);
        Assert.Equal(1, description.Version);
        var predicted = await PredictAsync(gateway, label);
        Assert.Equal(8, predicted.Result.Samples.Count);
        Passed();
    }
}

/// <summary>The coordinator in-process against 2 node processes: a trial whose node is killed (-9) mid-trial is
/// re-queued and scored on the surviving node; the search still completes with every trial scored.</summary>
[Collection("cluster-processes")]
public sealed class ClusterSearchFailoverTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task A_trial_on_a_killed_node_is_requeued_and_scored_on_the_survivor()
    {
        var nodes = new[] { StartNode(SeedPorts[0]), StartNode(SeedPorts[1]) }.OrderBy(n => n.Port).ToArray();
        await Task.WhenAll(nodes.Select(n => n.WaitReadyAsync(Ready)));
        // Keep-majority with 1 vs 1 keeps the side with the lowest address: the victim is the higher port.
        var victim = nodes[1];
        var gateway = await ConnectGatewayAsync();

        // Trials long enough (many epochs on small data: seconds, even on a fast machine) that the node dies while one runs there.
        var baseJson = Data.TrainJson("Failover-Search", epochs: 1500);
        var space = AntiNex.Search.SearchSpace.Parse("""{"learning_rate": [0.001, 0.003, 0.01, 0.03]}""");
        var trials = AntiNex.Search.TrialPlanner.Plan(space, "grid", 4, 1)
            .Select((c, i) => new AntiNex.Gateway.Cluster.SearchTrial(i + 1, c.Describe(), AntiNex.Search.TrialPlanner.Apply(baseJson, c, 2)))
                .ToList();
        var channel = System.Threading.Channels.Channel.CreateUnbounded<AntiNex.Gateway.Cluster.SearchEvent>();
        gateway.System.ActorOf(AntiNex.Gateway.Cluster.SearchCoordinator.Props("failover", trials, channel.Writer), "search-failover");

        int? killedTrial = null;
        AntiNex.Gateway.Cluster.RunnerLost? lost = null;
        IReadOnlyList<AntiNex.Search.TrialResult>? results = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await foreach (var e in channel.Reader.ReadAllAsync(timeout.Token))
        {
            Log.Step(e.ToString());
            switch (e)
            {
                case AntiNex.Gateway.Cluster.TrialRunning r when r.Node == victim.Name && killedTrial is null:
                    victim.Kill9();
                    killedTrial = r.Trial;
                    Log.Step($"killed {victim.Name} while trial {r.Trial} ran there");
                    break;
                case AntiNex.Gateway.Cluster.RunnerLost l: lost = l; break;
                case AntiNex.Gateway.Cluster.SearchCompleted c: results = c.Results; break;
            }
        }
        Assert.NotNull(killedTrial);
        Assert.NotNull(lost);
        Assert.Equal(victim.Name, lost!.Node);
        Assert.Contains(killedTrial!.Value, lost.Requeued);
        Assert.NotNull(results);
        Assert.Equal(4, results!.Count);
        Assert.All(results, r => Assert.True(r.Scored, $"trial {r.Trial}: {r.Error}"));
        Assert.Equal(nodes[0].Name, results.Single(r => r.Trial == killedTrial).Node);
        Passed();
    }
}
