using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>Akka stops an entity whose recovery or journal write fails, after it told its callers. A caller that sends
/// its next command at once must reach the next incarnation, even when the shard learns of the stop only later: the
/// entity asks the shard to passivate it before anyone hears of the failure, so the shard holds that command. Commands
/// that were waiting for the failed write go back to the shard too.</summary>
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

    [Fact]
    public async Task A_command_that_waits_for_a_failed_journal_write_reaches_the_next_incarnation()
    {
        var entity = Entity("blobs");
        var write = new HeldWrite();
        await Journal.OnWrite.SetInterceptorAsync(write);
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        await write.Reached.WaitAsync(Long);
        // Straight to the entity: the describe is in its mailbox before the write fails, and Akka puts it aside meanwhile.
        var incarnation = await Sys.ActorSelection(entity.Path / "*").ResolveOne(TimeSpan.FromSeconds(20));
        var describe = incarnation.Ask<ModelDescription>(new DescribeModel("blobs"), TimeSpan.FromSeconds(20));
        write.Release();

        Assert.Equal("persistence", Assert.IsType<ModelFailed>(await Final(trainer)).Code);
        Assert.False((await describe).Trained);
    }

    [Fact]
    public async Task A_forget_that_waits_for_a_version_being_stored_reaches_the_next_incarnation_when_a_write_fails()
    {
        var saves = await HoldSaves();
        var entity = Entity("blobs");
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        await WaitForState(entity, "blobs", "storing");
        var forget = entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(30)); // waits for the store
        var write = new HeldWrite();
        write.Release();
        await Journal.OnWrite.SetInterceptorAsync(write);
        // The same request sent again joins its training, and the journal learns of its new caller: that write fails.
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);

        Assert.Equal("persistence", Assert.IsType<ModelFailed>(await Final(trainer)).Code);
        saves.Open();
        Assert.Equal("blobs", (await forget).Label);
    }

    [Fact]
    public async Task Rows_queued_before_a_failed_journal_write_are_answered_once_before_the_entity_stops()
    {
        var entity = Entity("blobs");
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.IsType<ModelTrainedReply>(await Final(trainer));
        var write = new HeldWrite(failing: 2);
        await Journal.OnWrite.SetInterceptorAsync(write);
        entity.Tell(new TrainModel("blobs", SlowRequest(), null, "r2"), trainer.Ref);
        await write.Reached.WaitAsync(Long);
        // Both wait for r2's event. Once it is written the rows queue (their drain goes behind them in the mailbox), then
        // r3's event is written before that drain, and fails.
        var incarnation = await Sys.ActorSelection(entity.Path / "*").ResolveOne(TimeSpan.FromSeconds(20));
        var (rows, queued) = (CreateTestProbe(), CreateTestProbe());
        incarnation.Tell(new PredictRawRows("blobs", [[1, 1, 0, 7]]), rows.Ref);
        incarnation.Tell(new TrainModel("blobs", QuickRequest(), null, "r3"), queued.Ref);
        write.Release();

        Assert.Equal("persistence", Assert.IsType<ModelFailed>(await Final(queued)).Code);
        Assert.Equal(1, (await rows.ExpectMsgAsync<RowsPredicted>(TimeSpan.FromSeconds(20))).Version);
        await rows.ExpectNoMsgAsync(TimeSpan.FromSeconds(1)); // handled here: not handed to the next incarnation too
    }

    /// <summary>Holds the first event write until <see cref="Release"/> is called and fails write number
    /// <paramref name="failing"/>; the others pass.</summary>
    private sealed class HeldWrite(int failing = 1) : IJournalInterceptor
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _writes;

        public Task Reached => _reached.Task;

        public void Release() => _released.TrySetResult();

        public async Task InterceptAsync(IPersistentRepresentation message)
        {
            var write = Interlocked.Increment(ref _writes);
            if (write == 1)
            {
                _reached.TrySetResult();
                await _released.Task;
            }
            if (write == failing) throw new TestJournalFailureException("the store is down");
        }
    }
}
