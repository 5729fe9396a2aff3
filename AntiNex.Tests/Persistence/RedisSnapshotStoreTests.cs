using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using StackExchange.Redis;

namespace AntiNex.Tests.Persistence;

/// <summary>Our TCK for the snapshot store: the snapshot protocol against a real redis-server.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class RedisSnapshotStoreTests : TestKit
{
    private readonly string _pid = "s-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _prefix = PersistenceTestConfig.NewPrefix();
    private readonly IActorRef _store;
    private readonly TestProbe _sender;
    private readonly RedisFixture _redis;
    private readonly List<SnapshotMetadata> _metadata = [];

    public RedisSnapshotStoreTests(RedisFixture redis)
        : this(redis, PersistenceTestConfig.NewPrefix()) { }

    private RedisSnapshotStoreTests(RedisFixture redis, string prefix)
        : base(PersistenceTestConfig.For(redis.Server.ConnectionString, prefix, "akka.persistence.snapshot-store.redis.chunk-size = 64KiB"),
            "snapshot-spec")
    {
        _prefix = prefix;
        _redis = redis;
        _store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        _sender = CreateTestProbe();
        // Seed s-1..s-5 at sequence numbers 11..15, with distinct timestamps.
        for (var i = 1; i <= 5; i++)
        {
            var metadata = new SnapshotMetadata(_pid, 10 + i, DateTime.UtcNow.AddSeconds(-100 + i));
            _store.Tell(new SaveSnapshot(metadata, $"s-{i}"), _sender.Ref);
            _metadata.Add(_sender.ExpectMsg<SaveSnapshotSuccess>().Metadata);
        }
    }

    private LoadSnapshotResult Load(SnapshotSelectionCriteria criteria, long toSequenceNr = long.MaxValue, string? pid = null)
    {
        _store.Tell(new LoadSnapshot(pid ?? _pid, criteria, toSequenceNr), _sender.Ref);
        return _sender.ExpectMsg<LoadSnapshotResult>();
    }

    private void AssertLoaded(LoadSnapshotResult result, int index, object? expected = null)
    {
        Assert.NotNull(result.Snapshot);
        Assert.Equal(expected ?? $"s-{index + 1}", result.Snapshot!.Snapshot);
        Assert.Equal(_metadata[index].PersistenceId, result.Snapshot.Metadata.PersistenceId);
        Assert.Equal(_metadata[index].SequenceNr, result.Snapshot.Metadata.SequenceNr);
        Assert.Equal(_metadata[index].Timestamp, result.Snapshot.Metadata.Timestamp);
    }

    [Fact]
    public void Loads_nothing_for_an_unknown_persistence_id()
    {
        var result = Load(SnapshotSelectionCriteria.Latest, 42, "unknown-" + Guid.NewGuid());
        Assert.Null(result.Snapshot);
        Assert.Equal(42, result.ToSequenceNr);
    }

    [Fact]
    public void Loads_nothing_when_the_timestamp_criteria_match_nothing() =>
        Assert.Null(Load(new SnapshotSelectionCriteria(long.MaxValue, new DateTime(2000, 1, 1))).Snapshot);

    [Fact]
    public void Loads_nothing_when_the_sequence_criteria_match_nothing()
    {
        Assert.Null(Load(new SnapshotSelectionCriteria(7)).Snapshot);
        Assert.Null(Load(SnapshotSelectionCriteria.Latest, 7).Snapshot);
    }

    [Fact]
    public void Loads_the_latest_snapshot() => AssertLoaded(Load(SnapshotSelectionCriteria.Latest), 4);

    [Fact]
    public void Loads_the_latest_snapshot_under_a_sequence_bound()
    {
        AssertLoaded(Load(new SnapshotSelectionCriteria(13)), 2);
        AssertLoaded(Load(SnapshotSelectionCriteria.Latest, 13), 2);
    }

    [Fact]
    public void Loads_the_latest_snapshot_under_sequence_and_timestamp_bounds()
    {
        AssertLoaded(Load(new SnapshotSelectionCriteria(13, _metadata[2].Timestamp)), 2);
        // The timestamp bound alone picks s-2 even though s-3..s-5 have higher sequence numbers.
        AssertLoaded(Load(new SnapshotSelectionCriteria(long.MaxValue, _metadata[1].Timestamp)), 1);
    }

    [Fact]
    public void Loads_within_lower_bounds()
    {
        Assert.Null(Load(new SnapshotSelectionCriteria(13, DateTime.MaxValue, 14)).Snapshot);
        AssertLoaded(Load(new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, 12, _metadata[3].Timestamp)), 4);
    }

    [Fact]
    public void Deletes_a_single_snapshot_by_sequence_number()
    {
        _store.Tell(new DeleteSnapshot(_metadata[2]), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotSuccess>();
        AssertLoaded(Load(new SnapshotSelectionCriteria(13)), 1);
        Assert.Empty(RedisAdmin.Keys(_redis.Server, $"{_prefix}{{{_pid}}}:snapshot:13:*"));
    }

    [Fact]
    public void Deletes_a_single_snapshot_whatever_its_timestamp_when_the_timestamp_is_MinValue()
    {
        _store.Tell(new DeleteSnapshot(new SnapshotMetadata(_pid, 13, DateTime.MinValue)), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotSuccess>();
        AssertLoaded(Load(new SnapshotSelectionCriteria(13)), 1);
    }

    [Fact]
    public void Does_not_delete_a_snapshot_whose_stored_timestamp_is_newer_than_the_request()
    {
        _store.Tell(new DeleteSnapshot(new SnapshotMetadata(_pid, 13, _metadata[2].Timestamp.AddTicks(-1))), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotSuccess>();
        AssertLoaded(Load(new SnapshotSelectionCriteria(13)), 2);
    }

    [Fact]
    public void Does_not_delete_a_snapshot_whose_stored_timestamp_is_older_than_the_request()
    {
        _store.Tell(new DeleteSnapshot(new SnapshotMetadata(_pid, 13, _metadata[2].Timestamp.AddTicks(1))), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotSuccess>();
        AssertLoaded(Load(new SnapshotSelectionCriteria(13)), 2);
    }

    /// <summary>A save that fails is cleaned up by the base class with a delete of its own metadata, whose timestamp
    /// is later than the snapshot already stored at that sequence number: that snapshot must stay.</summary>
    [Fact]
    public void A_failed_save_at_a_stored_sequence_number_leaves_the_stored_snapshot()
    {
        _store.Tell(new SaveSnapshot(new SnapshotMetadata(_pid, 15, DateTime.UtcNow), new Unserializable("x")), _sender.Ref);
        _sender.ExpectMsg<SaveSnapshotFailure>();
        // The clean-up runs after the failure is answered: a delete sent now is handled after it.
        _store.Tell(new DeleteSnapshot(new SnapshotMetadata(_pid, 99, DateTime.MinValue)), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotSuccess>();
        AssertLoaded(Load(SnapshotSelectionCriteria.Latest), 4);
    }

    [Fact]
    public void Deletes_all_snapshots_matching_the_criteria()
    {
        var criteria = new SnapshotSelectionCriteria(13, _metadata[2].Timestamp);
        _store.Tell(new DeleteSnapshots(_pid, criteria), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotsSuccess>(m => m.Criteria.Equals(criteria));
        Assert.Null(Load(new SnapshotSelectionCriteria(13)).Snapshot);
        AssertLoaded(Load(new SnapshotSelectionCriteria(14)), 3);
        Assert.Empty(RedisAdmin.Keys(_redis.Server, $"{_prefix}{{{_pid}}}:snapshot:1[123]:*"));
    }

    [Fact]
    public void Does_not_delete_by_criteria_when_the_timestamp_bound_is_older_than_the_stored_snapshot()
    {
        var criteria = new SnapshotSelectionCriteria(14, _metadata[3].Timestamp.AddTicks(-1));
        _store.Tell(new DeleteSnapshots(_pid, criteria), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotsSuccess>();
        AssertLoaded(Load(new SnapshotSelectionCriteria(14)), 3);
        Assert.Null(Load(new SnapshotSelectionCriteria(13)).Snapshot);
    }

    [Fact]
    public void Overwrites_a_snapshot_saved_at_the_same_sequence_number_without_leaving_old_pieces()
    {
        var metadata = new SnapshotMetadata(_pid, 15, DateTime.UtcNow);
        _store.Tell(new SaveSnapshot(metadata, "s-5-modified"), _sender.Ref);
        Assert.Equal(metadata, _sender.ExpectMsg<SaveSnapshotSuccess>().Metadata);
        var loaded = Load(SnapshotSelectionCriteria.Latest).Snapshot!;
        Assert.Equal("s-5-modified", loaded.Snapshot);
        Assert.Equal(metadata.Timestamp, loaded.Metadata.Timestamp);
        Assert.Single(RedisAdmin.Keys(_redis.Server, $"{_prefix}{{{_pid}}}:snapshot:15:*"));
    }

    [Fact]
    public void Round_trips_a_snapshot_through_its_registered_serializer()
    {
        var payload = new TestPayload(_sender.Ref, "snap");
        _store.Tell(new SaveSnapshot(new SnapshotMetadata(_pid, 16, DateTime.UtcNow), payload), _sender.Ref);
        _sender.ExpectMsg<SaveSnapshotSuccess>();
        Assert.Equal(payload, Load(SnapshotSelectionCriteria.Latest).Snapshot!.Snapshot);
    }

    [Fact]
    public void Saves_and_loads_a_multi_chunk_snapshot_and_reads_only_the_selected_one()
    {
        // 1 MB over 64 KiB chunks = 16 pieces; the older snapshots must not be read at all.
        var big = new byte[1_000_000];
        new Random(7).NextBytes(big);
        _store.Tell(new SaveSnapshot(new SnapshotMetadata(_pid, 20, DateTime.UtcNow), big), _sender.Ref);
        _sender.ExpectMsg<SaveSnapshotSuccess>();
        using var admin = ConnectionMultiplexer.Connect(_redis.Server.ConnectionString);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        server.ConfigResetStatistics();
        var loaded = (byte[])Load(SnapshotSelectionCriteria.Latest).Snapshot!.Snapshot;
        Assert.Equal(big, loaded);
        var gets = server.Info("commandstats").SelectMany(g => g).FirstOrDefault(kv => kv.Key == "cmdstat_get").Value;
        Assert.StartsWith("calls=16,", gets);
    }

    [Fact]
    public void Committed_pieces_are_permanent()
    {
        using var admin = StackExchange.Redis.ConnectionMultiplexer.Connect(_redis.Server.ConnectionString);
        var pieces = RedisAdmin.Keys(_redis.Server, $"{_prefix}{{{_pid}}}:snapshot:*");
        Assert.Equal(5, pieces.Length);
        Assert.All(pieces, key => Assert.Null(admin.GetDatabase().KeyTimeToLive(key)));
    }

    [Fact]
    public void Fails_the_load_when_the_payload_checksum_does_not_match()
    {
        var db = RedisAdmin.Db(_redis.Server, out var mux);
        using (mux)
        {
            var chunk = RedisAdmin.Keys(_redis.Server, $"{_prefix}{{{_pid}}}:snapshot:15:*").Single();
            db.StringSetRange(chunk, 0, "X");
        }
        _store.Tell(new LoadSnapshot(_pid, SnapshotSelectionCriteria.Latest, long.MaxValue), _sender.Ref);
        var failed = _sender.ExpectMsg<LoadSnapshotFailed>();
        Assert.Contains("checksum", failed.Cause.Message);
    }

    [Fact]
    public async Task Rapid_snapshots_without_persisting_recover_the_last_one()
    {
        for (var round = 0; round < 20; round++)
        {
            var pid = $"rapid-{round}-{Guid.NewGuid().ToString("N")[..6]}";
            var actor = Sys.ActorOf(Props.Create(() => new SnapshotterActor(pid, _sender.Ref)));
            for (var n = 1; n <= 4; n++) actor.Tell(n);
            _sender.ReceiveN(4).Cast<SaveSnapshotSuccess>().ToList();
            await actor.GracefulStop(TimeSpan.FromSeconds(5));
            var again = Sys.ActorOf(Props.Create(() => new SnapshotterActor(pid, _sender.Ref)));
            Assert.Equal(4, await again.Ask<object>("recovered", TimeSpan.FromSeconds(10)));
            Sys.Stop(again);
        }
    }

    [Fact]
    public void Falls_back_to_the_older_snapshot_when_a_payload_piece_is_missing()
    {
        var db = RedisAdmin.Db(_redis.Server, out var mux);
        using (mux) db.KeyDelete(RedisAdmin.Keys(_redis.Server, $"{_prefix}{{{_pid}}}:snapshot:15:*").Single());
        EventFilter.Warning(contains: $"Snapshot {_pid}#15 is incomplete").ExpectOne(() => AssertLoaded(Load(SnapshotSelectionCriteria.Latest), 3));
    }

    [Fact]
    public void Loads_nothing_when_the_only_matching_snapshot_misses_a_piece()
    {
        var db = RedisAdmin.Db(_redis.Server, out var mux);
        using (mux) db.KeyDelete(RedisAdmin.Keys(_redis.Server, $"{_prefix}{{{_pid}}}:snapshot:11:*").Single());
        Assert.Null(Load(new SnapshotSelectionCriteria(11)).Snapshot);
        AssertLoaded(Load(SnapshotSelectionCriteria.Latest), 4);
    }

    [Fact]
    public void Saves_an_empty_payload()
    {
        _store.Tell(new SaveSnapshot(new SnapshotMetadata(_pid, 30, DateTime.UtcNow), Array.Empty<byte>()), _sender.Ref);
        _sender.ExpectMsg<SaveSnapshotSuccess>();
        Assert.Empty((byte[])Load(SnapshotSelectionCriteria.Latest).Snapshot!.Snapshot);
    }

    [Fact]
    public void Two_saves_at_the_same_sequence_number_both_succeed_and_echo_their_metadata()
    {
        var first = new SnapshotMetadata(_pid, 40, DateTime.UtcNow);
        var second = new SnapshotMetadata(_pid, 40, first.Timestamp.AddMilliseconds(1));
        _store.Tell(new SaveSnapshot(first, "one"), _sender.Ref);
        _store.Tell(new SaveSnapshot(second, "two"), _sender.Ref);
        var replies = _sender.ReceiveN(2).Cast<SaveSnapshotSuccess>().Select(s => s.Metadata).ToList();
        Assert.Contains(first, replies);
        Assert.Contains(second, replies);
        Assert.Equal("two", Load(SnapshotSelectionCriteria.Latest).Snapshot!.Snapshot);
        Assert.Single(RedisAdmin.Keys(_redis.Server, $"{_prefix}{{{_pid}}}:snapshot:40:*"));
    }
}
