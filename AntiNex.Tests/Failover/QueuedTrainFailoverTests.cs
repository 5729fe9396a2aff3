using System.Collections.Concurrent;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using Xunit.Abstractions;

namespace AntiNex.Tests.Failover;

/// <summary>A training queued behind a running one survives the holder (kill -9, real node processes): the label's next
/// holder runs the running one again and then the queued one, in their order, each answering its own caller with its
/// own version (exactly once each: versions 1 and 2), and neither request is trained twice when sent again. A train sent
/// while the holder is dead is re-sent by the gateway and queues behind them (version 3).</summary>
[Collection("cluster-processes")]
public sealed class QueuedTrainFailoverTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task A_running_and_a_queued_training_both_end_on_the_new_holder_in_order_once_each()
    {
        await StartThreeNodesAsync("--EngineLimits:MaxEpochs", "100000");
        var gateway = await ConnectGatewayAsync();

        var firstProgress = new ConcurrentQueue<object>();
        var secondProgress = new ConcurrentQueue<object>();
        const string firstId = "queue-a-running";
        const string secondId = "queue-a-queued";
        // The running one is long enough to be killed mid-way; the queued one is short.
        var first = gateway.TrainAsync("queue-a", Data.TrainJson("Queue-A", epochs: 400), TrainTimeout, firstProgress.Enqueue, firstId);
        while (!firstProgress.Any(p => p is TrainingStarted) && !first.IsCompleted) await Task.Delay(50);
        var second = gateway.TrainAsync("queue-a", Data.TrainJson("Queue-A", epochs: 3), TrainTimeout, secondProgress.Enqueue, secondId);
        // Its queue position is told only once its request is journaled.
        while (!secondProgress.Any(p => p is TrainingQueued { Position: > 0 }) && !second.IsCompleted) await Task.Delay(20);
        Assert.False(first.IsCompleted, "the running training ended before the holder could be killed: make it longer");
        Assert.False(second.IsCompleted, "the queued training ended before the holder could be killed");
        var holder = firstProgress.OfType<TrainingStarted>().First().Node;
        var victim = NodeNamed(holder);
        victim.Kill9();
        Log.Step($"kill -9 {victim.Name}: request {firstId} running, {secondId} queued (position 1)");
        // Sent while the holder is dead but not yet downed: lost on the way, re-sent by the gateway until the label's new
        // holder has it, where it queues behind the two accepted before it.
        const string thirdId = "queue-a-after";
        var third = gateway.TrainAsync("queue-a", Data.TrainJson("Queue-A", epochs: 3), TrainTimeout, requestId: thirdId);

        // Both callers are answered by the new holder, in the order they were accepted.
        var firstTrained = Assert.IsType<ModelTrainedReply>(await first);
        var secondTrained = Assert.IsType<ModelTrainedReply>(await second);
        var thirdTrained = Assert.IsType<ModelTrainedReply>(await third);
        Log.Step($"{firstId}: version {firstTrained.Version} on {firstTrained.Node}; {secondId}: version {secondTrained.Version} on " +
                 secondTrained.Node);
        Assert.Equal((1, firstId), (firstTrained.Version, firstTrained.RequestId));
        Assert.Equal((2, secondId), (secondTrained.Version, secondTrained.RequestId));
        Assert.Equal((3, thirdId), (thirdTrained.Version, thirdTrained.RequestId));
        Assert.NotEqual(victim.Name, firstTrained.Node);
        Assert.NotEqual(victim.Name, secondTrained.Node);
        Assert.DoesNotContain(secondProgress.OfType<TrainingStarted>(), s => s.Node == victim.Name);
        Assert.Contains(secondProgress.OfType<TrainingStarted>(), s => s.Node == secondTrained.Node);

        // Sent again: each recognised by its id, none trained twice.
        foreach (var id in new[] { firstId, secondId, thirdId })
        {
            var again = await gateway.TrainAsync("queue-a", Data.TrainJson("Queue-A", epochs: 3), TrainTimeout, requestId: id);
            Assert.Equal("already-trained", Assert.IsType<ModelFailed>(again).Code);
        }
        var description = Assert.IsType<ModelDescription>(await gateway.DescribeAsync("queue-a", AskTimeout));
        Assert.Equal(3, description.Version);
        Assert.Equal("idle", description.State);
        Passed();
    }
}
