using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>A request the parser refuses reaches its caller as an error, and the entity stays as it was: a training it is
/// running goes on (it is not restarted) and the label takes valid requests after.</summary>
public sealed class UnreadableRequestTests : EntityTestKit
{
    [Fact]
    public async Task A_lone_surrogate_is_an_error_reply_and_the_running_training_goes_on()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", SteadyRequest(), trainer.Ref, "r1"), trainer.Ref);
        await WaitForStart(trainer);

        var caller = CreateTestProbe();
        var bad = QuickRequest().Replace("\"predict_feature\": \"label\"", "\"predict_feature\": \"\\ud800\"");
        Assert.NotEqual(QuickRequest(), bad);
        entity.Tell(new TrainModel("blobs", bad, null, "r2"), caller.Ref);
        var failed = await caller.ExpectMsgAsync<ModelFailed>(TimeSpan.FromSeconds(20));
        Assert.Equal("bad-request", failed.Code);
        Assert.Equal("r2", failed.RequestId);
        Assert.Contains(failed.Issues, i => i.Field == "predict_feature" && i.Message.Contains("lone surrogate"));

        var final = await Final(trainer);
        var trained = Assert.IsType<ModelTrainedReply>(final is ModelFailed f ? throw new Xunit.Sdk.XunitException($"r1 failed: {f}") : final);
        Assert.Equal(1, trained.Version);
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r3"), caller.Ref);
        Assert.Equal(2, Assert.IsType<ModelTrainedReply>(await Final(caller)).Version);
        await stopped.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }
}
