using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>Queued trainings survive the label's holder, in process: a training queued behind the running one is
/// journaled before its caller hears its position; after a hand-off the restarted entity runs both in their order and
/// answers both callers; once the first version's snapshot is stored (the queued request's event is behind it), the
/// snapshot still carries the queued request; a cancel removes queued trainings for good.</summary>
public sealed class TrainingQueueResumeTests : EntityTestKit
{
    [Fact]
    public async Task Running_and_queued_trainings_run_again_in_order_after_hand_offs_and_answer_their_callers_once()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SteadyRequest(), first.Ref, "r1"), first.Ref);
        await WaitForStart(first);
        entity.Tell(new TrainModel("blobs", SlowRequest(), second.Ref, "r2"), second.Ref);
        Assert.Equal(1, (await second.FishForMessageAsync<TrainingQueued>(_ => true, Long)).Position);

        // Hand-off with r1 running and r2 queued: nothing is answered here; the restarted entity runs both.
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        entity.Tell(new ResumeTraining("blobs"));
        var trained = Assert.IsType<ModelTrainedReply>(await Final(first));
        Assert.Equal(1, trained.Version);
        Assert.Equal("r1", trained.RequestId);

        // r2 (slow) runs now; its accepted event is behind version 1's snapshot: a second hand-off must not lose it.
        await WaitForState(entity, "blobs", "training");
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        entity.Tell(new ResumeTraining("blobs"));
        await WaitForState(entity, "blobs", "training");
        entity.Tell(new CancelTraining("blobs"), second.Ref);
        var cancelled = Assert.IsType<ModelFailed>(await second.FishForMessageAsync(m => m is ModelFailed or ModelTrainedReply, Long));
        Assert.Equal("cancelled", cancelled.Code);
        Assert.Equal("r2", cancelled.RequestId);

        // Cancelled for good, r1 never trained twice: after a restart the label idles at version 1.
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        entity.Tell(new ResumeTraining("blobs"));
        var description = await Describe(entity, "blobs");
        Assert.Equal("idle", description.State);
        Assert.Equal(1, description.Version);
        await first.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_queued_request_sent_again_after_a_restart_joins_its_resumed_training_and_trains_once()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SteadyRequest(), first.Ref, "r1"), first.Ref);
        await WaitForStart(first);
        entity.Tell(new TrainModel("blobs", QuickRequest(), second.Ref, "r2"), second.Ref);
        await second.FishForMessageAsync<TrainingQueued>(_ => true, Long);
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));

        // The same r2 from a new caller restarts the entity: r1 runs first, r2 is not queued twice, the new caller gets it.
        var again = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), again.Ref, "r2"), again.Ref);
        Assert.Equal(1, Assert.IsType<ModelTrainedReply>(await Final(first)).Version);
        var trained = Assert.IsType<ModelTrainedReply>(await Final(again));
        Assert.Equal(2, trained.Version);
        Assert.Equal("r2", trained.RequestId);
        Assert.Equal(2, (await Describe(entity, "blobs")).Version);
        await AwaitConditionAsync(async () => (await Describe(entity, "blobs")).State == "idle", Long);
        Assert.Equal(2, (await Describe(entity, "blobs")).Version);
    }
}
