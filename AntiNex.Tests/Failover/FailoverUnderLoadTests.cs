using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using Xunit.Abstractions;

namespace AntiNex.Tests.Failover;

/// <summary>Read replicas and hedged predicts on 3 real nodes: every copy answers identically; kill -9 of the node holding
/// label A while predicts for A and B run at concurrency 4 costs no error and no timeout, every answer comes from the
/// current version, A's writer is back on another node, and a retrain of A afterwards reaches every copy.</summary>
[Collection("cluster-processes")]
public sealed class FailoverUnderLoadTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task Kill9_of_a_writer_under_load_costs_no_prediction_and_a_retrain_reaches_every_copy()
    {
        await StartThreeNodesAsync();
        var gateway = await ConnectGatewayAsync();
        var a = await TrainAsync(gateway, "Fail-A");
        var b = await TrainAsync(gateway, "Fail-B");
        var features = ((ModelDescription)await gateway.DescribeAsync("fail-a", AskTimeout)).Summary!.InputFeatures;
        var rows = new Dictionary<string, double[][]> { ["fail-a"] = Data.RawRows(features, 4), ["fail-b"] = Data.RawRows(features, 4) };

        // ---- each label gets a replica on another node; writer and replica answer identically ----
        var replicaA = await WaitForReplicaAsync(gateway, "fail-a", 1);
        await WaitForReplicaAsync(gateway, "fail-b", 1);
        var fromWriter = Assert.IsType<RowsPredicted>(await WriterAnswer(gateway.Region, new PredictRawRows("fail-a", rows["fail-a"])));
        var fromReplica = Assert.IsType<RowsPredicted>(await replicaA.Keeper.Ask<object>(new PredictRawRows("fail-a", rows["fail-a"]), AskTimeout));
        Log.Step($"fail-a: writer {fromWriter.Node}, replica {fromReplica.Node}");
        Assert.NotEqual(fromWriter.Node, fromReplica.Node);
        Assert.Equal(fromWriter.Version, fromReplica.Version);
        Assert.Equal(fromWriter.Values, fromReplica.Values);
        var expected = new Dictionary<string, float[]>
        {
            ["fail-a"] = fromWriter.Values,
            ["fail-b"] = ((RowsPredicted)await gateway.PredictRowsAsync("fail-b", rows["fail-b"], AskTimeout)).Values
        };

        // ---- predicts for A and B at concurrency 4; kill -9 A's writer a few seconds in ----
        var errors = new ConcurrentQueue<string>();
        var answeredBy = new ConcurrentDictionary<string, int>();
        var served = 0L;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var i = w;
            while (!stop.IsCancellationRequested)
            {
                var label = i++ % 2 == 0 ? "fail-a" : "fail-b";
                try
                {
                    var reply = await gateway.PredictRowsAsync(label, rows[label], TimeSpan.FromSeconds(5));
                    if (reply is not RowsPredicted r) errors.Enqueue($"{label}: {Describe(reply)}");
                    else if (r.Version != 1 || !r.Values.SequenceEqual(expected[label])) errors.Enqueue(
                        $"{label}: v{r.Version} from {r.Node} differs");
                    else { answeredBy.AddOrUpdate($"{label}@{r.Node}", 1, (_, n) => n + 1); Interlocked.Increment(ref served); }
                }
                catch (Exception ex) { errors.Enqueue($"{label}: {ex.GetType().Name} {ex.Message}"); }
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var victim = NodeNamed(a.Node);
        var clock = Stopwatch.StartNew();
        victim.Kill9();
        Log.Step($"kill -9 {a.Node} (writer of fail-a) under load");

        // The writer is back once the label's entity runs on a live node (a describe reaches only the writer).
        string? newWriter = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && newWriter is null)
        {
            try
            {
                if (await gateway.DescribeAsync("fail-a", TimeSpan.FromSeconds(2)) is ModelDescription { Trained: true } d && d.Node != a.Node)
                    newWriter = d.Node;
            }
            catch (TimeoutException) { }
        }
        Log.Step($"writer of fail-a back on {newWriter} {clock.Elapsed.TotalSeconds:F1} s after the kill");
        await Task.Delay(TimeSpan.FromSeconds(3));
        stop.Cancel();
        await Task.WhenAll(load);
        Log.Step($"{served} predicts served, {errors.Count} failed; answered by: " +
            $"{string.Join(", ", answeredBy.OrderBy(x => x.Key).Select(x => $"{x.Key}={x.Value}"))}");
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(10)));
        Assert.NotNull(newWriter);
        Assert.True(served > 100, $"only {served} predicts in the run");

        // ---- a retrain of A: every copy serves version 2, never version 1 once the train is acknowledged ----
        var retrained = await TrainAsync(gateway, "Fail-A");
        Assert.Equal(2, retrained.Version);
        for (var i = 0; i < 50; i++)
        {
            var r = Assert.IsType<RowsPredicted>(await gateway.PredictRowsAsync("fail-a", rows["fail-a"], AskTimeout));
            Assert.Equal(2, r.Version);
        }
        var replica2 = await WaitForReplicaAsync(gateway, "fail-a", 2);
        var direct = Assert.IsType<RowsPredicted>(await replica2.Keeper.Ask<object>(new PredictRawRows("fail-a", rows["fail-a"]), AskTimeout));
        var viaWriter = Assert.IsType<RowsPredicted>(await WriterAnswer(gateway.Region, new PredictRawRows("fail-a", rows["fail-a"])));
        Assert.Equal(2, direct.Version);
        Assert.Equal(viaWriter.Values, direct.Values);
        Passed();
    }
}
