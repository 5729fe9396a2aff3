using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>Queued and running trainings end early on a cancel command, a passed deadline or a caller that is gone,
/// and the node's training slot is free again.</summary>
public sealed class TrainingCancellationTests : EntityTestKit
{
    [Fact]
    public async Task Cancel_ends_the_running_and_the_queued_training_and_is_audited()
    {
        var audits = CreateTestProbe();
        Sys.EventStream.Subscribe(audits.Ref, typeof(ModelCommandAudited));
        var entity = Entity("blobs");
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SlowRequest(), first.Ref, "r1"), first.Ref);
        entity.Tell(new TrainModel("blobs", QuickRequest(), second.Ref, "r2"), second.Ref);
        await second.ExpectMsgAsync<TrainingQueued>(TimeSpan.FromSeconds(10));
        await first.FishForMessageAsync(m => m is TrainingStarted, TimeSpan.FromSeconds(30));

        var origin = new RequestOrigin(Via: "console", Client: "tester");
        var reply = await entity.Ask<TrainingCancelled>(new CancelTraining("blobs", origin, "c1"), TimeSpan.FromSeconds(10));
        Assert.True(reply.Running);
        Assert.Equal(1, reply.Queued);
        Assert.Equal("cancelled", (await first.FishForMessageAsync<ModelFailed>(m => m is ModelFailed, TimeSpan.FromSeconds(10))).Code);
        Assert.Equal("cancelled", (await second.FishForMessageAsync<ModelFailed>(m => m is ModelFailed, TimeSpan.FromSeconds(10))).Code);
        var cancel = await audits.FishForMessageAsync<ModelCommandAudited>(m => m is ModelCommandAudited { Action: "cancel" });
        Assert.Equal(origin, cancel.Origin);
        Assert.Equal("ok", cancel.Result);
        await AwaitConditionAsync(() => Task.FromResult(Scheduler.Running == 0), TimeSpan.FromSeconds(30));
        Assert.False((await Describe(entity, "blobs")).Trained);

        var nothing = await entity.Ask<TrainingCancelled>(new CancelTraining("blobs"), TimeSpan.FromSeconds(10));
        Assert.False(nothing.Any);
    }

    [Fact]
    public async Task A_training_past_its_deadline_is_cancelled_and_frees_the_slot()
    {
        var entity = Entity("blobs");
        var caller = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SlowRequest(), null, "r1", DeadlineUtc: DateTimeOffset.UtcNow.AddSeconds(3)), caller.Ref);
        var failed = await caller.ExpectMsgAsync<ModelFailed>(TimeSpan.FromSeconds(30));
        Assert.Equal("cancelled", failed.Code);
        Assert.Contains("deadline", failed.Message);
        await AwaitConditionAsync(() => Task.FromResult(Scheduler.Running == 0), TimeSpan.FromSeconds(30));

        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r2", DeadlineUtc: DateTimeOffset.UtcNow.AddSeconds(-1)), caller.Ref);
        Assert.Equal("cancelled", (await caller.ExpectMsgAsync<ModelFailed>(TimeSpan.FromSeconds(10))).Code);
    }

    [Fact]
    public async Task A_training_whose_caller_stops_is_cancelled_and_the_next_one_runs()
    {
        var audits = CreateTestProbe();
        Sys.EventStream.Subscribe(audits.Ref, typeof(ModelCommandAudited));
        var entity = Entity("blobs");
        var gone = CreateTestProbe();
        var next = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SlowRequest(), gone.Ref, "r1"), gone.Ref);
        await gone.FishForMessageAsync(m => m is TrainingStarted, TimeSpan.FromSeconds(30));
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r2"), next.Ref);
        Sys.Stop(gone.Ref);

        var audit = await audits.FishForMessageAsync<ModelCommandAudited>(m => m is ModelCommandAudited { RequestId: "r1" }, TimeSpan.FromSeconds(20));
        Assert.Equal("cancelled", audit.Result);
        Assert.Contains("caller is gone", audit.Detail);
        Assert.Equal(1, (await next.ExpectMsgAsync<ModelTrainedReply>(Long)).Version);
    }
}
