using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>A label whose holder stopped mid-training wakes on its next message, whatever it is: a predict lets the
/// accepted training run first and waits for it (it does not train a version of its own and leave the training
/// behind); a forget tells the accepted training's caller that it is cancelled.</summary>
public sealed class WokenLabelTests : EntityTestKit
{
    [Fact]
    public async Task A_predict_that_wakes_the_label_waits_for_the_accepted_training()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var caller = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SteadyRequest(), caller.Ref, "r1"), caller.Ref);
        await WaitForStart(caller);
        entity.Tell(StopEntity.Instance); // a hand-off
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));

        var predictor = CreateTestProbe();
        entity.Tell(new PredictModel("blobs", QuickRequest(), predictor.Ref, "p1", MayTrain: true), predictor.Ref);
        var trained = Assert.IsType<ModelTrainedReply>(await caller.FishForMessageAsync(m => m is ModelFailed or ModelTrainedReply, Long));
        Assert.Equal(1, trained.Version);
        Assert.Equal(1, Assert.IsType<Predicted>(await Final(predictor)).Version);
        Assert.Equal(1, (await Describe(entity, "blobs")).Version); // one version: the predict did not train its own
    }

    [Fact]
    public async Task A_forget_that_wakes_the_label_tells_the_accepted_training_it_is_cancelled()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var caller = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SlowRequest(), caller.Ref, "r1"), caller.Ref);
        await WaitForStart(caller);
        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));

        Assert.IsType<ModelForgotten>(await entity.Ask<object>(new ForgetModel("blobs"), TimeSpan.FromSeconds(30)));
        var final = await caller.FishForMessageAsync(m => m is ModelFailed or ModelTrainedReply, TimeSpan.FromSeconds(30));
        var reply = Assert.IsType<ModelFailed>(final);
        Assert.Equal(("cancelled", "r1"), (reply.Code, reply.RequestId));
        Assert.Contains("forgotten", reply.Message);
    }
}
