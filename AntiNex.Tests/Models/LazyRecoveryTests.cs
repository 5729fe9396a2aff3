using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>
/// An entity started again (after passivation, eviction, a hand-off or a full restart) recovers only its stored state;
/// its network is built on the first predict, from the recovered artifact, whose bytes are then let go. That lazily
/// loaded network must answer exactly what the trained one answered, and the catalog must hold the version's card.
/// </summary>
public sealed class LazyRecoveryTests : EntityTestKit
{
    private static readonly double[][] Rows = [[1, 1, 0, 7], [-1.5, 2, 1, 7], [3, -2, 2, 7], [0.2, 0.1, 0, 7]];

    [Fact]
    public async Task A_recovered_entity_loads_its_network_on_the_first_predict_and_predicts_exactly_as_the_trained_one()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.Equal(1, (await trainer.ExpectMsgAsync<ModelTrainedReply>(Long)).Version);
        var trained = await entity.Ask<RowsPredicted>(new PredictRawRows("blobs", Rows), TimeSpan.FromSeconds(30));

        entity.Tell(StopEntity.Instance);
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        var recovered = await Describe(entity, "blobs");
        Assert.True(recovered.Trained);
        Assert.False(recovered.Loaded); // recovery alone builds no network

        var again = await entity.Ask<RowsPredicted>(new PredictRawRows("blobs", Rows), TimeSpan.FromSeconds(30));
        Assert.Equal(trained.Values, again.Values); // bit-identical floats
        Assert.Equal(1, again.Version);
        var loaded = await Describe(entity, "blobs");
        Assert.True(loaded.Loaded);
        Assert.True(loaded.Trained); // the artifact bytes are gone, the model is still there
        // A second predict and a describe after the bytes were let go still serve the same version.
        Assert.Equal(trained.Values, (await entity.Ask<RowsPredicted>(new PredictRawRows("blobs", Rows), TimeSpan.FromSeconds(30))).Values);

        var card = Assert.Single(await Catalog.CardsAsync(["blobs"]));
        Assert.NotNull(card);
        Assert.Equal(1, card.Version);
        Assert.Equal(recovered.Summary!.Label, card.Summary.Label);
        Assert.Empty(card.Summary.InputFeatures); // a card is slim: describe has the feature names
    }

    [Fact]
    public void A_released_artifact_keeps_the_version_served()
    {
        var snapshot = new StoredModelSnapshot("x", 3, DateTimeOffset.UnixEpoch,
            new StoredModelSummary("x", "classification", "y", ["a"], 1, DateTimeOffset.UnixEpoch, 90, 10),
            new StoredModelMetrics(0.9, null, null, null, null, null, null, null, null, null, 1, 1, 1), new byte[10]);
        var released = ServingState.From(snapshot).ReleaseArtifact();
        Assert.Null(released.Artifact);
        Assert.True(released.HasModel);
        Assert.Equal(3, released.Version);
        Assert.True(released.Apply(new StoredModelTrained(4, DateTimeOffset.UnixEpoch, snapshot.Summary, snapshot.Metrics)).HasModel);
        Assert.False(ServingState.Empty.ReleaseArtifact().HasModel);
    }
}
