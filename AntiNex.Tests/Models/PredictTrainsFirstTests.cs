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

    [Theory]
    // Rows only, as a misspelt label's predict is: that the label has no model comes first, not the request's other gaps.
    [InlineData("""{"label": "blobs", "predict_rows": [{"a": 1}]}""")]
    [InlineData("""{"label": "blobs", "dataset": " ", "predict_rows": [{"a": 1}]}""")]
    public async Task A_predict_of_a_label_never_trained_without_a_dataset_hears_not_trained_whatever_else_it_lacks(string json)
    {
        var reply = await Entity("blobs").Ask<object>(new PredictModel("blobs", json, RequestId: "p1", MayTrain: true), Long);

        var refused = Assert.IsType<ModelFailed>(reply);
        Assert.Equal("not-trained", refused.Code);
        Assert.Equal("dataset", Assert.Single(refused.Issues).Field);
        Assert.Equal("p1", refused.RequestId);
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

    [Fact]
    public async Task A_predict_resent_while_the_first_training_runs_waits_once_and_hears_that_it_waits()
    {
        var entity = Entity("blobs");
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SteadyRequest(), trainer.Ref, "t1"), trainer.Ref);
        await WaitForStart(trainer);

        // A gateway session sends its predict again every few seconds until it hears something: three copies here.
        var session = CreateTestProbe();
        for (int i = 0; i < 3; i++) entity.Tell(new PredictModel("blobs", QuickRequest(), session.Ref, "p1"), session.Ref);
        var waits = await session.ExpectMsgAsync<TrainingQueued>(TimeSpan.FromSeconds(10));
        Assert.Equal("p1", waits.RequestId);

        Assert.IsType<ModelTrainedReply>(await Final(trainer));
        var predicted = Assert.IsType<Predicted>(await Final(session));
        Assert.Equal("p1", predicted.RequestId);
        // One answer, not one per copy sent.
        await Task.Delay(TimeSpan.FromSeconds(2));
        while (session.HasMessages) Assert.IsType<TrainingQueued>(session.ReceiveOne(TimeSpan.Zero));
    }

    [Fact]
    public async Task A_predict_that_waited_for_a_failed_first_training_hears_not_trained_without_the_trainings_issues()
    {
        var entity = Entity("blobs");
        var trainer = CreateTestProbe();
        // Accepted, then fails in the engine: a feature the dataset does not have.
        entity.Tell(new TrainModel("blobs", SteadyRequest().Replace("\"features_to_process\": [", "\"features_to_process\": [\"nope\", "),
            trainer.Ref, "t1"), trainer.Ref);
        var session = CreateTestProbe();
        entity.Tell(new PredictModel("blobs", QuickRequest(), session.Ref, "p1"), session.Ref);

        var failed = Assert.IsType<ModelFailed>(await Final(trainer));
        Assert.NotEmpty(failed.Issues);
        var waited = Assert.IsType<ModelFailed>(await Final(session));
        Assert.Equal("not-trained", waited.Code);
        Assert.Empty(waited.Issues);
        Assert.Equal("p1", waited.RequestId);
        Assert.Contains("the training it waited for ended without one", waited.Message);
    }
}
