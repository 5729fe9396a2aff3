using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>Akka stops an entity whose recovery or journal write fails, after it told its callers. A caller that sends
/// its next command at once must reach the next incarnation, even when the shard learns of the stop only later: the
/// entity asks the shard to passivate it before anyone hears of the failure, so the shard holds that command.</summary>
public sealed class FailureStopTests : EntityTestKit
{
    [Fact]
    public async Task A_command_sent_right_after_a_failed_recovery_reaches_the_next_incarnation()
    {
        var shardBusy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entity = Entity("blobs", busyUntil: shardBusy.Task);
        await Snapshots.OnLoad.Fail();
        Assert.Equal("persistence", (await entity.Ask<ModelFailed>(new DescribeModel("blobs"), TimeSpan.FromSeconds(20))).Code);

        await Snapshots.OnLoad.Pass();
        var next = entity.Ask<ModelDescription>(new DescribeModel("blobs"), TimeSpan.FromSeconds(20));
        shardBusy.SetResult(); // the shard learns of the stop only after the next command arrived
        Assert.False((await next).Trained);
    }

    [Fact]
    public async Task A_command_sent_right_after_a_failed_journal_write_reaches_the_next_incarnation()
    {
        var shardBusy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entity = Entity("blobs", busyUntil: shardBusy.Task);
        var caller = CreateTestProbe();
        await Journal.OnWrite.Fail();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), caller.Ref);
        Assert.Equal("persistence", (await caller.ExpectMsgAsync<ModelFailed>(Long)).Code);

        await Journal.OnWrite.Pass();
        var next = entity.Ask<ModelDescription>(new DescribeModel("blobs"), TimeSpan.FromSeconds(20));
        shardBusy.SetResult();
        Assert.False((await next).Trained);
    }
}
