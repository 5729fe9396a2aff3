using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>The entity's phases (idle, training, storing, forgetting) and their transitions, in process.</summary>
public sealed class ModelEntityPhaseTests : EntityTestKit
{
    [Fact]
    public async Task A_second_train_of_a_busy_label_waits_behind_the_first_and_both_versions_are_stored()
    {
        var entity = Entity("blobs");
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), first.Ref, "r1"), first.Ref);
        entity.Tell(new TrainModel("blobs", QuickRequest(seed: 4), second.Ref, "r2"), second.Ref);

        var queued = await second.ExpectMsgAsync<TrainingQueued>(TimeSpan.FromSeconds(10));
        Assert.Equal(1, queued.Position);
        Assert.Equal("r2", queued.RequestId);
        var v1 = Assert.IsType<ModelTrainedReply>(await Final(first));
        Assert.Equal(1, v1.Version);
        // The current version serves while the queued training runs.
        var served = await entity.Ask<RowsPredicted>(new PredictRawRows("blobs", [[1, 1, 0, 7]]), TimeSpan.FromSeconds(10));
        Assert.True(served.Version >= 1);
        var v2 = Assert.IsType<ModelTrainedReply>(await Final(second));
        Assert.Equal(2, v2.Version);
        Assert.Equal(2, (await Describe(entity, "blobs")).Version);
    }

    [Fact]
    public async Task Forget_while_storing_waits_for_the_stored_version_then_deletes_it()
    {
        var versions = CreateTestProbe();
        Sys.EventStream.Subscribe(versions.Ref, typeof(ModelVersionChanged));
        var entity = Entity("blobs");
        var trainer = CreateTestProbe();
        var forgetter = CreateTestProbe();
        var saves = await HoldSaves();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        await WaitForState(entity, "blobs", "storing");
        entity.Tell(new ForgetModel("blobs", new RequestOrigin(Via: "test")), forgetter.Ref);
        Assert.Equal("storing", (await Describe(entity, "blobs")).State); // the forget reached the entity while it stores
        saves.Open();

        var trained = await trainer.ExpectMsgAsync<ModelTrainedReply>(Long);
        Assert.Equal(1, trained.Version);
        Assert.True((await forgetter.ExpectMsgAsync<ModelForgotten>(TimeSpan.FromSeconds(20))).Existed);
        Assert.Equal(new ModelVersionChanged("blobs", 1, false), await versions.ExpectMsgAsync<ModelVersionChanged>(TimeSpan.FromSeconds(20)));
        Assert.Equal(new ModelVersionChanged("blobs", 0, true), await versions.ExpectMsgAsync<ModelVersionChanged>(TimeSpan.FromSeconds(20)));
        await Snapshots.OnSave.Pass();
        var after = await Describe(entity, "blobs");
        Assert.False(after.Trained);
        Assert.Equal(0, after.Version);
    }

    [Fact]
    public async Task A_training_a_forget_cancels_is_not_run_again_when_its_request_is_sent_again_after_a_restart()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SteadyRequest(), trainer.Ref, "r1"), trainer.Ref);
        await WaitForStart(trainer);
        await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20));
        Assert.Equal("cancelled", Assert.IsType<ModelFailed>(await Final(trainer)).Code);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));

        // Recovered from the forget's event alone (the events before it are deleted): r1 is known as ended.
        var again = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), again.Ref, "r1"), again.Ref);
        var ended = Assert.IsType<ModelFailed>(await Final(again));
        Assert.Equal("cancelled", ended.Code);
        Assert.Contains("already ended", ended.Message);
        Assert.False((await Describe(entity, "blobs")).Trained);
    }

    [Fact]
    public async Task A_forgotten_label_trained_again_numbers_its_versions_above_the_old_ones()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.Equal(1, Assert.IsType<ModelTrainedReply>(await Final(trainer)).Version);
        entity.Tell(new TrainModel("blobs", QuickRequest(seed: 4), null, "r2"), trainer.Ref);
        Assert.Equal(2, Assert.IsType<ModelTrainedReply>(await Final(trainer)).Version);

        Assert.True((await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20))).Existed);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        // Recovered from the store: nothing to forget, nothing served, and the old versions are not reused.
        Assert.False((await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20))).Existed);
        Assert.False((await Describe(entity, "blobs")).Trained);
        // A request it finished before the forget is still not run again (a gateway restarted meanwhile re-sends its jobs).
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.Equal("already-trained", Assert.IsType<ModelFailed>(await Final(trainer)).Code);
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r5"), trainer.Ref);
        Assert.Equal(3, Assert.IsType<ModelTrainedReply>(await Final(trainer)).Version);

        // And again after a forget whose label was trained past it: the numbering never goes back.
        Assert.True((await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20))).Existed);
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r3"), trainer.Ref);
        Assert.Equal(4, Assert.IsType<ModelTrainedReply>(await Final(trainer)).Version);
    }

    [Fact]
    public async Task A_forget_whose_deletion_fails_serves_nothing_and_a_second_forget_deletes_again()
    {
        var (entity, stopped, trainer) = await TrainedToVersion1();

        await Snapshots.OnDelete.Fail();
        var failed = await entity.Ask<ModelFailed>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20));
        Assert.Equal("persistence", failed.Code);
        Assert.Contains("is forgotten and serves nothing", failed.Message);
        Assert.Contains("forget it again", failed.Message);
        // The forget's event is stored, so a restart would recover nothing: the running entity serves nothing already.
        Assert.False((await Describe(entity, "blobs")).Trained);
        Assert.Empty(await Catalog.AllAsync());

        // Restarted, the entity finds what the deletion left before the forget's event: a next forget deletes it.
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        await Snapshots.OnDelete.Pass();
        Assert.False((await Describe(entity, "blobs")).Trained);
        Assert.True((await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20))).Existed);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        // Now only the forget's event is left: nothing to forget.
        Assert.False((await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20))).Existed);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r2"), trainer.Ref);
        Assert.Equal(2, Assert.IsType<ModelTrainedReply>(await Final(trainer)).Version);
    }

    [Fact]
    public async Task A_forget_the_journal_fails_to_store_is_answered_and_a_forget_sent_again_finishes_it()
    {
        var (entity, stopped, _) = await TrainedToVersion1();

        await Journal.OnWrite.Fail();
        var failed = await entity.Ask<ModelFailed>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20));
        Assert.Equal("persistence", failed.Code);
        Assert.Contains("may or may not have taken effect", failed.Message);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        await Journal.OnWrite.Pass();
        // Here the event was not written: the model recovers and serves, and the forget sent again forgets it.
        Assert.Equal(1, (await entity.Ask<RowsPredicted>(new PredictRawRows("blobs", [[1, 1, 0, 7]]), TimeSpan.FromSeconds(10))).Version);
        Assert.True((await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20))).Existed);
    }

    [Fact]
    public async Task Stop_while_a_snapshot_is_written_finishes_the_store_and_the_version_survives_the_restart()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var trainer = CreateTestProbe();
        var saves = await HoldSaves();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        await WaitForState(entity, "blobs", "storing");
        entity.Tell(StopEntity.Instance);
        Assert.Equal("storing", (await Describe(entity, "blobs")).State); // the stop reached the entity while it stores
        saves.Open();

        Assert.Equal(1, (await trainer.ExpectMsgAsync<ModelTrainedReply>(Long)).Version);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        await Snapshots.OnSave.Pass();
        var recovered = await Describe(entity, "blobs");
        Assert.True(recovered.Trained);
        Assert.Equal(1, recovered.Version);
        Assert.False(recovered.Loaded);
    }

    [Fact]
    public async Task A_failed_snapshot_reaches_the_caller_and_its_orphan_event_is_skipped_on_recovery()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var caller = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), caller.Ref);
        Assert.Equal(1, (await caller.ExpectMsgAsync<ModelTrainedReply>(Long)).Version);

        await Snapshots.OnSave.Fail();
        entity.Tell(new TrainModel("blobs", QuickRequest(seed: 4), null, "r2"), caller.Ref);
        var failed = await caller.ExpectMsgAsync<ModelFailed>(Long);
        Assert.Equal("persistence", failed.Code);
        Assert.Contains("still serving version 1", failed.Message);
        await Snapshots.OnSave.Pass();
        Assert.Equal(1, (await entity.Ask<RowsPredicted>(new PredictRawRows("blobs", [[1, 1, 0, 7]]), TimeSpan.FromSeconds(10))).Version);

        // Restart: the journal holds version 2's event without its snapshot (an orphan).
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        var recovered = await Describe(entity, "blobs");
        Assert.Equal(1, recovered.Version);
        entity.Tell(new TrainModel("blobs", QuickRequest(seed: 5), null, "r3"), caller.Ref);
        Assert.Equal(3, (await caller.ExpectMsgAsync<ModelTrainedReply>(Long)).Version);
    }

    [Fact]
    public async Task A_failed_event_write_reaches_the_caller_before_the_entity_stops()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var caller = CreateTestProbe();
        await Journal.OnWrite.Fail();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), caller.Ref);
        var failed = await caller.ExpectMsgAsync<ModelFailed>(Long);
        Assert.Equal("persistence", failed.Code);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        await Journal.OnWrite.Pass();
        Assert.False((await Describe(entity, "blobs")).Trained);
    }

    [Fact]
    public async Task A_journal_event_refused_on_recovery_makes_the_label_unavailable_and_its_callers_are_told_why()
    {
        // A forget leaves its event alone in the journal (no snapshot after it): the next recovery replays it.
        var (entity, stopped, _) = await TrainedToVersion1();
        Assert.True((await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20))).Existed);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));

        await Journal.OnRecovery.SetInterceptorAsync(new RefuseEvents());
        var failed = await entity.Ask<ModelFailed>(new DescribeModel("blobs"), TimeSpan.FromSeconds(20));
        Assert.Equal("integrity", failed.Code);
        Assert.Contains("is unavailable", failed.Message);
        Assert.Contains("REFUSED: its signature does not match it", failed.Message);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        // No restart loop: the entity stays stopped until the next command, which is told the same.
        await stopped.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal("integrity", (await entity.Ask<ModelFailed>(new DescribeModel("blobs"), TimeSpan.FromSeconds(20))).Code);

        // Once the journal is mended the label loads again (the shard holds a command sent at once for the next start).
        await Journal.OnRecovery.Pass();
        Assert.False((await Describe(entity, "blobs")).Trained);
    }

    private sealed class RefuseEvents : Akka.Persistence.TestKit.IJournalInterceptor
    {
        public Task InterceptAsync(Akka.Persistence.IPersistentRepresentation message) =>
            throw new AntiNex.Persistence.Signing.EventRefusedException(message.PersistenceId, message.SequenceNr,
                "its signature does not match it", "mend the journal");
    }

    /// <summary>The "blobs" entity trained to version 1 (request r1), with the probe told when it stops and the trainer.</summary>
    private async Task<(IActorRef Entity, Akka.TestKit.TestProbe Stopped, Akka.TestKit.TestProbe Trainer)> TrainedToVersion1()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.Equal(1, Assert.IsType<ModelTrainedReply>(await Final(trainer)).Version);
        return (entity, stopped, trainer);
    }
}
