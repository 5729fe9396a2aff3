using System.Collections.Concurrent;
using System.Diagnostics;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using Xunit.Abstractions;

namespace AntiNex.Tests.Failover;

/// <summary>Redis is killed (SIGKILL) while a label retrains on a real node: the caller hears at once that the new
/// version could not be stored, the label keeps answering with the version it has in memory, and once Redis is back
/// (same port, same append-only data) it answers within seconds from its intact old version, trains the interrupted
/// request again (it was accepted) and a new training succeeds.</summary>
[Collection("cluster-processes")]
public sealed class RedisOutageTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task A_store_failure_reaches_the_caller_at_once_and_the_label_recovers_within_seconds_of_redis()
    {
        var node = StartNode(SeedPorts[0], "--EngineLimits:MaxEpochs", "100000");
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        var first = await TrainAsync(gateway, "Outage-A");
        Assert.Equal(1, first.Version);
        var before = TestData.Fingerprint(await PredictAsync(gateway, "Outage-A"));

        // A retrain long enough for Redis to die under it (seconds on an idle machine, tens of seconds on a loaded one).
        var started = new ConcurrentQueue<TrainingStarted>();
        var lastProgress = Stopwatch.StartNew();
        var train = gateway.TrainAsync("outage-a", Data.TrainJson("Outage-A", epochs: 600), TrainTimeout, p =>
        {
            if (p is TrainingStarted s) started.Enqueue(s);
            if (p is TrainingProgressed) lastProgress.Restart();
        });
        while (started.IsEmpty && !train.IsCompleted) await Task.Delay(20);
        Assert.False(train.IsCompleted, "the training ended before Redis could be killed: make it longer");
        Redis.Stop();
        var down = Stopwatch.StartNew();
        Log.Step("redis-server killed (SIGKILL) mid-training");

        // The version in memory keeps answering while the training runs without Redis.
        var during = await PredictAsync(gateway, "Outage-A");
        Assert.Equal(1, during.Version);
        Log.Step($"predict during the training: version {during.Version}");

        // The store fails: the caller is told why as soon as the training ends, not left to its 4 min timeout.
        var reply = await train.WaitAsync(TimeSpan.FromSeconds(90));
        var failed = Assert.IsType<ModelFailed>(reply);
        Log.Step($"train answered {down.Elapsed.TotalSeconds:0.0} s after the kill, {lastProgress.Elapsed.TotalSeconds:0.0} s after its last " +
                 $"epoch: {Describe(failed)}");
        Assert.Equal("persistence", failed.Code);
        Assert.Contains("could not be stored", failed.Message);
        Assert.Contains("trained again once the store is back", failed.Message);
        Assert.True(lastProgress.Elapsed < TimeSpan.FromSeconds(30), $"answered {lastProgress.Elapsed} after the last epoch");

        // Still down: every predict is answered at once, by the version in memory or with the store named (the label
        // must load again after a failed write, and loading needs Redis). Repeated failures open the circuit breakers.
        for (var i = 0; i < 12; i++)
        {
            var asked = Stopwatch.StartNew();
            var answer = await gateway.PredictAsync("outage-a", Data.PredictJson("Outage-A"), AskTimeout).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(answer is Predicted { Version: 1 } or ModelFailed { Code: "persistence" }, Describe(answer));
            if (i == 0 || i == 11) Log.Step($"predict with Redis down: {Describe(answer)[..Math.Min(160, Describe(answer).Length)]} " +
                                            $"in {asked.Elapsed.TotalSeconds:0.00} s");
        }

        // Redis back with its data: the label answers and trains again within seconds.
        Redis.Restart();
        var back = Stopwatch.StartNew();
        Log.Step($"redis-server restarted on port {Redis.Port} with its data after {down.Elapsed.TotalSeconds:0.0} s down");
        Predicted? recovered = null;
        while (recovered is null && back.Elapsed < TimeSpan.FromSeconds(30))
        {
            var answer = await gateway.PredictAsync("outage-a", Data.PredictJson("Outage-A"), AskTimeout).WaitAsync(TimeSpan.FromSeconds(20));
            recovered = answer as Predicted;
            if (recovered is null) await Task.Delay(200);
        }
        var predictSeconds = back.Elapsed.TotalSeconds;
        Log.Step($"first predict answered {predictSeconds:0.0} s after Redis was back: version {recovered?.Version}");
        Assert.NotNull(recovered);
        Assert.Equal(before, TestData.Fingerprint(recovered)); // the stored version 1 is intact
        var retrained = await TrainAsync(gateway, "Outage-A");
        var trainSeconds = back.Elapsed.TotalSeconds;
        Log.Step($"train after the restart: version {retrained.Version}, answered {trainSeconds:0.0} s after Redis was back");
        Assert.True(predictSeconds < 15, $"first predict {predictSeconds:0.0} s after Redis was back");
        // Version 2 is the interrupted request, trained again once the store was back (it was accepted); then this one.
        Assert.Equal(3, retrained.Version);
        Assert.Equal(retrained.Version, (await PredictAsync(gateway, "Outage-A")).Version);
        Passed();
    }
}
