using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>Akka stops an entity whose recovery or journal write fails, after it told its callers. A caller that sends
/// its next command at once must reach the next incarnation, even when the shard learns of the stop only later: the
/// entity asks the shard to passivate it before anyone hears of the failure, so the shard holds that command. Commands
/// the entity had received but not handled yet (waiting for the failed write, or stashed) go back to the shard too, and
/// only those: none is answered twice.</summary>
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

    [Fact]
    public async Task A_command_handled_after_a_refused_write_is_not_handed_to_the_next_incarnation_when_a_later_write_fails()
    {
        // The describe waits behind r2's event, which the journal refuses: the entity keeps running (r2 ends with an
        // event of its own) and answers it. A later failed write (r3) must not hand it to the next incarnation too.
        var entity = Entity("blobs");
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.IsType<ModelTrainedReply>(await Final(trainer));
        var journal = new RejectThenFail();
        await Journal.OnWrite.SetInterceptorAsync(journal);
        entity.Tell(new TrainModel("blobs", QuickRequest(seed: 4), null, "r2"), trainer.Ref);
        await journal.Reached.WaitAsync(Long);
        var incarnation = await Sys.ActorSelection(entity.Path / "*").ResolveOne(TimeSpan.FromSeconds(20));
        var describer = CreateTestProbe();
        incarnation.Tell(new DescribeModel("blobs"), describer.Ref);
        journal.Release();
        Assert.Equal("persistence", Assert.IsType<ModelFailed>(await Final(trainer)).Code);
        await describer.ExpectMsgAsync<ModelDescription>(TimeSpan.FromSeconds(20));
        await Task.Delay(500);
        var other = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(seed: 5), null, "r3"), other.Ref);
        Assert.Equal("persistence", Assert.IsType<ModelFailed>(await Final(other)).Code);
        await describer.ExpectNoMsgAsync(TimeSpan.FromSeconds(5)); // a second description would be a double answer
    }

    /// <summary>Holds the trained event until <see cref="Release"/> is called, then refuses it; fails the event accepting
    /// request r3; the others pass.</summary>
    private sealed class RejectThenFail : IJournalInterceptor
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached => _reached.Task;

        public void Release() => _released.TrySetResult();

        public async Task InterceptAsync(IPersistentRepresentation message)
        {
            if (message.Payload is StoredModelTrained)
            {
                _reached.TrySetResult();
                await _released.Task;
                throw new TestJournalRejectionException("refused");
            }
            if (message.Payload is StoredTrainingAccepted { RequestId: "r3" }) throw new TestJournalFailureException("the store is down");
        }
    }

    [Fact]
    public async Task A_forget_stashed_while_storing_reaches_the_next_incarnation_when_the_end_record_after_a_failed_snapshot_fails()
    {
        // The failed snapshot ends the phase while r1's end record is written: the forget the phase stashed moves into
        // Akka's own stash, behind that write, which fails. The forget must still reach the next incarnation.
        var gate = new FailingSave();
        await Snapshots.OnSave.SetInterceptorAsync(gate);
        var entity = Entity("blobs");
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        await WaitForState(entity, "blobs", "storing");
        var forget = entity.Ask<object>(new ForgetModel("blobs"), TimeSpan.FromSeconds(30)); // stashed by storing
        await Task.Delay(500);
        var write = new HeldWrite();
        write.Release();
        await Journal.OnWrite.SetInterceptorAsync(write); // the end record written after the failed snapshot fails
        gate.Open();
        Assert.Equal("persistence", Assert.IsType<ModelFailed>(await Final(trainer)).Code);
        await Snapshots.OnSave.Pass();
        Assert.IsType<ModelForgotten>(await forget);
    }

    /// <summary>Fails every snapshot save once <see cref="Open"/> is called.</summary>
    private sealed class FailingSave : ISnapshotStoreInterceptor
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task InterceptAsync(string persistenceId, SnapshotSelectionCriteria criteria)
        {
            await _open.Task;
            throw new TestSnapshotStoreFailureException("the store is down");
        }

        public void Open() => _open.TrySetResult();
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
