using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>A journal write that fails stops the entity (its state is unknown): a running training that is not
/// accepted (a predict's training-first) ends with it, and its caller hears why, and the audit records it.</summary>
public sealed class PersistFailureAnswerTests : EntityTestKit
{
    [Fact]
    public async Task A_predicts_training_is_answered_and_audited_when_a_journal_write_stops_the_entity()
    {
        var audits = CreateTestProbe();
        Sys.EventStream.Subscribe(audits.Ref, typeof(ModelCommandAudited));
        var entity = Entity("blobs");
        var predictor = CreateTestProbe();
        entity.Tell(new PredictModel("blobs", SlowRequest(), predictor.Ref, "p1", MayTrain: true), predictor.Ref);
        await WaitForStart(predictor);

        await Journal.OnWrite.Fail();
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), trainer.Ref, "r2"), trainer.Ref);
        Assert.Equal("persistence", Assert.IsType<ModelFailed>(await Final(trainer)).Code);
        var failed = Assert.IsType<ModelFailed>(await Final(predictor));
        Assert.Equal(("persistence", "p1"), (failed.Code, failed.RequestId));
        var audited = await audits.FishForMessageAsync<ModelCommandAudited>(m => m.RequestId == "p1", TimeSpan.FromSeconds(30));
        Assert.Equal("persistence", audited.Result);
        await Journal.OnWrite.Pass();
    }
}
