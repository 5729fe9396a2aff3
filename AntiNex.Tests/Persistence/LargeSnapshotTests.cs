using Akka.Persistence;
using Akka.TestKit.Xunit2;

namespace AntiNex.Tests.Persistence;

/// <summary>Model artifacts are MBs: a 100 MB snapshot must save and load intact (4 MiB chunks, default timeouts).</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class LargeSnapshotTests(RedisFixture redis)
    : TestKit(PersistenceTestConfig.For(redis.Server.ConnectionString, PersistenceTestConfig.NewPrefix()), "large-snapshot")
{
    [Fact]
    public void Saves_and_loads_a_100_MB_snapshot()
    {
        var payload = GC.AllocateUninitializedArray<byte>(100 * 1024 * 1024);
        new Random(42).NextBytes(payload);
        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var metadata = new SnapshotMetadata("large-1", 1, DateTime.UtcNow);
        store.Tell(new SaveSnapshot(metadata, payload), TestActor);
        ExpectMsg<SaveSnapshotSuccess>(TimeSpan.FromSeconds(60));
        store.Tell(new LoadSnapshot("large-1", SnapshotSelectionCriteria.Latest, long.MaxValue), TestActor);
        var loaded = ExpectMsg<LoadSnapshotResult>(TimeSpan.FromSeconds(60)).Snapshot!;
        Assert.Equal(metadata.SequenceNr, loaded.Metadata.SequenceNr);
        Assert.True(payload.AsSpan().SequenceEqual((byte[])loaded.Snapshot), "the 100 MB payload came back different");
        // Free the server memory for the next tests.
        store.Tell(new DeleteSnapshots("large-1", SnapshotSelectionCriteria.Latest), TestActor);
        ExpectMsg<DeleteSnapshotsSuccess>(TimeSpan.FromSeconds(30));
    }
}
