using System.Text.Json;
using Akka.Actor;
using Akka.Persistence;
using AntiNex.Cluster;
using AntiNex.Data;
using AntiNex.Models;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Models;

/// <summary>Models stored by earlier formats still recover. The fixtures are an event and a snapshot written by the
/// serializer when events embedded the engine's summary record (manifests ev-trained.v1 and snapshot.v1), plus the raw
/// predictions their network gave then.</summary>
public sealed class StoredFormatTests : EntityTestKit
{
    private static string Fixture(string name) => Path.Combine(EngineTestData.RepoRoot()!, "AntiNex.Tests", "Models", "Fixtures", name);

    private AntiNexSerializer Serializer => new((ExtendedActorSystem)Sys);

    [Fact]
    public void A_v1_event_reads_into_the_stored_record()
    {
        var e = Assert.IsType<StoredModelTrained>(Serializer.FromBinary(File.ReadAllBytes(Fixture("ev-trained.v1.bin")), "ev-trained.v1"));
        Assert.Equal(1, e.Version);
        Assert.Equal("Blobs", e.Summary.Label);
        Assert.Equal(["x0", "x1", "proto", "const"], e.Summary.InputFeatures);
        Assert.Equal(7, e.Summary.NetworkInputs);
        Assert.Equal(95, e.Metrics.Accuracy);
        Assert.Equal(120, e.Metrics.TrainRows);
        // written before the training's cell rules were kept: the defaults it was served with
        Assert.Equal(CellRules.Default, e.Summary.ToEngine().TrainedCells());
    }

    [Fact]
    public async Task A_v1_snapshot_recovers_into_an_entity_that_predicts_as_it_did_when_stored()
    {
        var snapshot = Assert.IsType<StoredModelSnapshot>(Serializer.FromBinary(File.ReadAllBytes(Fixture("snapshot.v1.bin")), "snapshot.v1"));
        Assert.Equal(1, snapshot.Version);
        Assert.True(snapshot.Artifact.Length > 1000);
        var writer = Sys.ActorOf(Props.Create(() => new SnapshotWriter(ModelIds.PersistenceId("blobs"))));
        await writer.Ask<SaveSnapshotSuccess>(snapshot, TimeSpan.FromSeconds(10));

        var entity = Entity("blobs");
        var description = await Describe(entity, "blobs");
        Assert.True(description.Trained);
        Assert.Equal(1, description.Version);
        Assert.Equal("Blobs", description.Summary!.Label);
        Assert.Equal((-1.0, "error"), (description.Summary.MarkEmpty, description.Summary.NonFinite));
        var rows = await entity.Ask<RowsPredicted>(new PredictRawRows("blobs", [[1.0, 1.0, 0, 7], [-1.5, -1.0, 0, 7]]), TimeSpan.FromSeconds(10));
        Assert.Equal(JsonSerializer.Deserialize<float[]>(File.ReadAllText(Fixture("predict-rows.json"))), rows.Values);
    }

    [Fact]
    public void Today_s_records_are_written_under_v2_manifests_and_read_back_equal()
    {
        var snapshot = (StoredModelSnapshot)Serializer.FromBinary(File.ReadAllBytes(Fixture("snapshot.v1.bin")), "snapshot.v1");
        var e = (StoredModelTrained)Serializer.FromBinary(File.ReadAllBytes(Fixture("ev-trained.v1.bin")), "ev-trained.v1");
        Assert.Equal("snapshot.v2", Serializer.Manifest(snapshot));
        Assert.Equal("ev-trained.v2", Serializer.Manifest(e));
        var back = (StoredModelSnapshot)Serializer.FromBinary(Serializer.ToBinary(snapshot), "snapshot.v2");
        Assert.Equal(snapshot.Artifact, back.Artifact);
        Assert.Equal(JsonSerializer.Serialize(snapshot with { Artifact = [] }), JsonSerializer.Serialize(back with { Artifact = [] }));
        var eBack = (StoredModelTrained)Serializer.FromBinary(Serializer.ToBinary(e), "ev-trained.v2");
        Assert.Equal(JsonSerializer.Serialize(e), JsonSerializer.Serialize(eBack));
    }

    /// <summary>Stores a snapshot under a persistence id, as an entity of an earlier release would have.</summary>
    private sealed class SnapshotWriter : ReceivePersistentActor
    {
        private IActorRef? _replyTo;

        public SnapshotWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Command<StoredModelSnapshot>(s =>
            {
                _replyTo = Sender;
                SaveSnapshot(s);
            });
            Command<SaveSnapshotSuccess>(s => _replyTo?.Tell(s));
            Command<SaveSnapshotFailure>(f => _replyTo?.Tell(new Status.Failure(f.Cause)));
        }

        public override string PersistenceId { get; }
    }
}
