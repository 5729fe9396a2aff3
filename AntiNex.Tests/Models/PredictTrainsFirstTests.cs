using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>A predict with a dataset on a never-trained label trains it first (AntiNex's semantics), but only for a caller
/// that may train: a right to predict alone never stores a model. The training is audited under the predict's origin.</summary>
public sealed class PredictTrainsFirstTests : EntityTestKit
{
    [Fact]
    public async Task A_caller_that_may_not_train_is_refused_and_nothing_is_stored()
    {
        var audits = CreateTestProbe();
        Sys.EventStream.Subscribe(audits.Ref, typeof(ModelCommandAudited));
        var entity = Entity("blobs");

        var reply = await entity.Ask<object>(new PredictModel("blobs", QuickRequest(), RequestId: "p1"), Long);

        var refused = Assert.IsType<ModelFailed>(reply);
        Assert.Equal("forbidden", refused.Code);
        Assert.Equal("dataset", Assert.Single(refused.Issues).Field);
        Assert.Equal("p1", refused.RequestId);
        Assert.False((await Describe(entity, "blobs")).Trained);
        Assert.Equal(0, Scheduler.Running);
        await audits.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_caller_that_may_train_trains_first_and_the_training_is_audited_under_its_origin()
    {
        var audits = CreateTestProbe();
        Sys.EventStream.Subscribe(audits.Ref, typeof(ModelCommandAudited));
        var entity = Entity("blobs");
        var origin = new RequestOrigin(ApiKeyId: "ops", Via: "http", Client: "127.0.0.1");
        var caller = CreateTestProbe();

        entity.Tell(new PredictModel("blobs", QuickRequest(), null, "p2", Origin: origin, MayTrain: true), caller.Ref);

        var predicted = Assert.IsType<Predicted>(await Final(caller));
        Assert.True(predicted.TrainedFirst);
        Assert.Equal(1, predicted.Version);
        var train = await audits.FishForMessageAsync<ModelCommandAudited>(m => m is ModelCommandAudited { RequestId: "p2" }, Long);
        Assert.Equal(origin, train.Origin);
        Assert.Equal("ok", train.Result);
    }
}
