using System.Collections.Concurrent;
using Akka.Actor;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using Xunit.Abstractions;

namespace AntiNex.Tests.Failover;

/// <summary>A training whose node dies mid-way (kill -9, real node processes) is run again by the label's next holder,
/// which answers the original caller: the new version appears exactly once, on every copy, and the same request sent
/// again is recognised by its id instead of being trained twice.</summary>
[Collection("cluster-processes")]
public sealed class TrainFailoverTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task A_training_whose_node_is_killed_runs_again_on_the_new_holder_once()
    {
        await StartThreeNodesAsync("--EngineLimits:MaxEpochs", "100000");
        var gateway = await ConnectGatewayAsync();
        var first = await TrainAsync(gateway, "Resume-A");
        Assert.Equal(1, first.Version);

        // A training long enough to be killed mid-way (tens of seconds on a loaded machine).
        var started = new ConcurrentQueue<TrainingStarted>();
        const string requestId = "resume-a-retrain-1";
        var train = gateway.TrainAsync("resume-a", Data.TrainJson("Resume-A", epochs: 400), TrainTimeout,
            p => { if (p is TrainingStarted s) started.Enqueue(s); }, requestId);
        while (started.IsEmpty && !train.IsCompleted) await Task.Delay(100);
        Assert.False(train.IsCompleted, "the training ended before it could be interrupted");
        started.TryPeek(out var firstStart);
        // Killed shortly after it started: a quiet machine runs 150 of these epochs in under 2 s.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(train.IsCompleted, "the training ended within 0.3 s: make it longer");
        var victim = NodeNamed(firstStart!.Node);
        victim.Kill9();
        Log.Step($"kill -9 {victim.Name} 0.3 s into the training of request {requestId}");

        // The caller's own request is answered by the re-run on another node: one new version.
        var reply = await train;
        var trained = Assert.IsType<ModelTrainedReply>(reply);
        Log.Step($"trained version {trained.Version} on {trained.Node} (started on: {string.Join(", ", started.Select(s => s.Node))})");
        Assert.Equal(2, trained.Version);
        Assert.NotEqual(victim.Name, trained.Node);
        Assert.Equal(requestId, trained.RequestId);
        Assert.Contains(started, s => s.Node != victim.Name);

        // The same request again: recognised by its id, not trained twice.
        var again = await gateway.TrainAsync("resume-a", Data.TrainJson("Resume-A", epochs: 400), TrainTimeout, requestId: requestId);
        var refused = Assert.IsType<ModelFailed>(again);
        Assert.Equal("already-trained", refused.Code);
        var description = Assert.IsType<ModelDescription>(await gateway.DescribeAsync("resume-a", AskTimeout));
        Assert.Equal(2, description.Version);

        // Every copy serves version 2, the same predictions.
        var features = description.Summary!.InputFeatures;
        var rows = Data.RawRows(features, 4);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !gateway.Copies.Current("resume-a").Any(c => c.Version == 2)) await Task.Delay(250);
        var copies = gateway.Copies.Current("resume-a");
        Log.Step($"copies: {string.Join(", ", copies.Select(c => $"{c.Node} v{c.Version}"))}");
        Assert.NotEmpty(copies);
        Assert.All(copies, c => Assert.Equal(2, c.Version));
        var viaWriter = Assert.IsType<RowsPredicted>(await WriterAnswer(gateway.Region, new PredictRawRows("resume-a", rows)));
        foreach (var copy in copies)
        {
            var direct = Assert.IsType<RowsPredicted>(await copy.Keeper.Ask<object>(new PredictRawRows("resume-a", rows), AskTimeout));
            Assert.Equal(2, direct.Version);
            Assert.Equal(viaWriter.Values, direct.Values);
        }
        Passed();
    }
}
