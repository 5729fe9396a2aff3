using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>At-least-once trainings, in process: an accepted training interrupted by a hand-off runs again when the entity
/// restarts and answers its original caller; a request sent again with the same id joins the running training or, once
/// trained, is refused as already trained; nothing is trained twice.</summary>
public sealed class TrainingResumeTests : EntityTestKit
{
    [Fact]
    public async Task A_training_interrupted_by_a_hand_off_runs_again_after_the_restart_and_answers_its_caller_once()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var caller = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SlowRequest(), caller.Ref, "r1"), caller.Ref);
        await WaitForStart(caller);
        entity.Tell(StopEntity.Instance); // what the shard sends on hand-off
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));

        // The restarted entity finds request r1 accepted but unfinished and runs it again (a slow request: cancel it
        // once it runs, and check that the re-run is the same request answering the same caller).
        entity.Tell(new ResumeTraining("blobs"));
        await WaitForState(entity, "blobs", "training");
        entity.Tell(new CancelTraining("blobs"), caller.Ref);
        var reply = await caller.FishForMessageAsync(m => m is ModelFailed or ModelTrainedReply, Long);
        var cancelled = Assert.IsType<ModelFailed>(reply);
        Assert.Equal("cancelled", cancelled.Code);
        Assert.Equal("r1", cancelled.RequestId);

        // Cancelled for good: a restart does not run it a third time, nor does the same request sent again (a gateway that
        // restarted meanwhile submits its unfinished jobs again under their ids).
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        Assert.Equal("idle", (await Describe(entity, "blobs")).State);
        var again = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), again.Ref, "r1"), again.Ref);
        var ended = await again.ExpectMsgAsync<ModelFailed>(TimeSpan.FromSeconds(20));
        Assert.Equal("cancelled", ended.Code);
        Assert.Contains("already ended", ended.Message);
        Assert.Equal("idle", (await Describe(entity, "blobs")).State);
    }

    [Fact]
    public async Task A_resumed_training_stores_one_version_and_the_same_request_sent_again_is_not_trained_twice()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var caller = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SteadyRequest(), caller.Ref, "r1"), caller.Ref);
        await WaitForStart(caller);
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));

        // Resumed by the next message of any kind (here a describe): the caller gets version 1, once.
        await Describe(entity, "blobs");
        var trained = Assert.IsType<ModelTrainedReply>(await Final(caller));
        Assert.Equal(1, trained.Version);
        Assert.Equal("r1", trained.RequestId);

        // The same id again, before and after a restart: refused as already trained, still version 1.
        var again = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), again.Ref, "r1"), again.Ref);
        Assert.Equal("already-trained", (await again.ExpectMsgAsync<ModelFailed>(TimeSpan.FromSeconds(20))).Code);
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        entity.Tell(new TrainModel("blobs", QuickRequest(), again.Ref, "r1"), again.Ref);
        Assert.Equal("already-trained", (await again.ExpectMsgAsync<ModelFailed>(TimeSpan.FromSeconds(20))).Code);
        Assert.Equal(1, (await Describe(entity, "blobs")).Version);
        await caller.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_request_sent_again_while_it_trains_joins_the_running_training()
    {
        var entity = Entity("blobs");
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SteadyRequest(), first.Ref, "r1"), first.Ref);
        await WaitForStart(first);
        entity.Tell(new TrainModel("blobs", SteadyRequest(), second.Ref, "r1"), second.Ref);

        var final = await Final(second);
        var trained = final as ModelTrainedReply ?? throw new Xunit.Sdk.XunitException($"the second caller was told {final}");
        Assert.Equal(1, trained.Version);
        Assert.Equal(1, (await Describe(entity, "blobs")).Version);
        var toFirst = first.ReceiveWhile(TimeSpan.FromMilliseconds(500), m => m);
        Assert.DoesNotContain(toFirst, m => m is ModelTrainedReply or ModelFailed);
    }
}
