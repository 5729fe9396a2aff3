using Akka.Actor;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Models;

/// <summary>A training whose entity stopped just before it finished, or a replica load whose replica stopped, sends its
/// network to dead letters: it is freed there.</summary>
public sealed class TrainedModelReclaimerTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public async Task A_finished_training_sent_to_a_stopped_entity_has_its_network_disposed()
    {
        using var root = new EngineTestData.TempRoot();
        root.Write("blobs.csv", EngineTestData.BinaryCsv(200, 1));
        var request = EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 2, splits: 0));
        var outcome = TrainingEngine.Train(request, root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        var model = TrainedModel.Load(outcome.Artifact, EngineTestData.SingleThread);
        double[][] rows = [Enumerable.Repeat(0.5, model.Summary.InputFeatures.Count).ToArray()];
        Assert.Single(model.PredictRaw(rows));

        var reclaimer = Sys.ActorOf(TrainedModelReclaimer.Props(), TrainedModelReclaimer.Name);
        await reclaimer.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(10)); // it answers once started: subscribed
        var gone = Sys.ActorOf(Props.Empty);
        Watch(gone);
        Sys.Stop(gone);
        await ExpectTerminatedAsync(gone);
        gone.Tell(new TrainingFinished(Guid.NewGuid(), outcome, model));
        // A replica's load that ends after the replica stopped hands its network over the same way.
        var loaded = TrainedModel.Load(outcome.Artifact, EngineTestData.SingleThread);
        gone.Tell(new AntiNex.Replicas.ModelReplica.Loaded(1, loaded));

        await AwaitAssertAsync(() => Assert.Throws<ObjectDisposedException>(() => model.PredictRaw(rows)), TimeSpan.FromSeconds(10));
        await AwaitAssertAsync(() => Assert.Throws<ObjectDisposedException>(() => loaded.PredictRaw(rows)), TimeSpan.FromSeconds(10));
    }
}
