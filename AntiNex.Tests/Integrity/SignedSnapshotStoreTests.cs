using System.Security.Cryptography;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using AntiNex.Persistence.Signing;
using AntiNex.Tests.Infrastructure;
using AntiNex.Tests.Persistence;
using StackExchange.Redis;

namespace AntiNex.Tests.Integrity;

/// <summary>The Redis snapshot store with a signing key, against a real redis-server: altered, foreign-key and unsigned
/// snapshots are refused (logged) and the next older good snapshot is offered instead.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class SignedSnapshotStoreTests : TestKit, IDisposable
{
    private readonly string _pid = "signed-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _prefix;
    private readonly RedisFixture _redis;
    private readonly IActorRef _store;
    private readonly TestProbe _sender;
    private static readonly string KeyDir = RunTempDirectory.Create("antinex-signed-");

    public SignedSnapshotStoreTests(RedisFixture redis) : this(redis, PersistenceTestConfig.NewPrefix(), NewKeyFile()) { }

    private SignedSnapshotStoreTests(RedisFixture redis, string prefix, string keyFile)
        : base(PersistenceTestConfig.For(redis.Server.ConnectionString, prefix, SigningConfig(keyFile)), "signed-spec")
    {
        _redis = redis;
        _prefix = prefix;
        KeyFile = keyFile;
        _store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        _sender = CreateTestProbe();
        for (var i = 1; i <= 3; i++) Save(_store, 10 + i, $"s-{i}");
    }

    private string KeyFile { get; }

    public new void Dispose() => base.Dispose();

    private static string NewKeyFile()
    {
        var path = Path.Combine(KeyDir, Guid.NewGuid().ToString("N") + ".key");
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)) + "\n");
        return path;
    }

    private static string SigningConfig(string? keyFile, bool allowUnsigned = false) =>
        $"akka.persistence.snapshot-store.redis {{ chunk-size = 64KiB, signing-key-file = \"{keyFile ?? ""}\", " +
        $"allow-unsigned = {(allowUnsigned ? "on" : "off")} }}";

    private void Save(IActorRef store, long seqNr, string payload)
    {
        store.Tell(new SaveSnapshot(new SnapshotMetadata(_pid, seqNr, DateTime.UtcNow), payload), _sender.Ref);
        _sender.ExpectMsg<SaveSnapshotSuccess>();
    }

    private SelectedSnapshot? Load(IActorRef? store = null, TestProbe? probe = null)
    {
        probe ??= _sender;
        (store ?? _store).Tell(new LoadSnapshot(_pid, SnapshotSelectionCriteria.Latest, long.MaxValue), probe.Ref);
        return probe.ExpectMsg<LoadSnapshotResult>().Snapshot;
    }

    private void FlipOneByte(long seqNr, int offset = 3)
    {
        using var mux = ConnectionMultiplexer.Connect(_redis.Server.ConnectionString);
        var db = mux.GetDatabase();
        var chunk = RedisAdmin.Keys(_redis.Server, $"{_prefix}{{{_pid}}}:snapshot:{seqNr}:*").Single();
        var bytes = (byte[])db.StringGet(chunk)!;
        bytes[offset] ^= 0x01;
        db.StringSet(chunk, bytes);
    }

    private string Meta(long seqNr)
    {
        using var mux = ConnectionMultiplexer.Connect(_redis.Server.ConnectionString);
        return mux.GetDatabase().HashGet($"{_prefix}{{{_pid}}}:snapshot-meta", seqNr).ToString();
    }

    [Fact]
    public void Every_saved_snapshot_carries_a_signature_and_loads()
    {
        Assert.Contains("|hs256:", Meta(13));
        Assert.Equal("s-3", Load()!.Snapshot);
    }

    [Fact]
    public void An_altered_snapshot_is_refused_logged_and_the_previous_one_is_offered()
    {
        FlipOneByte(13);
        SelectedSnapshot? loaded = null;
        EventFilter.Error(contains: $"Snapshot {_pid}#13 REFUSED").ExpectOne(() => loaded = Load());
        Assert.Equal("s-2", loaded!.Snapshot);
        Assert.Equal(12, loaded.Metadata.SequenceNr);
        var refusal = SnapshotRefusals.Get(Sys).Find(_pid);
        Assert.NotNull(refusal);
        Assert.Equal(13, refusal!.SequenceNr);
        Assert.Contains("does not match", refusal.Reason);
    }

    [Fact]
    public void When_every_snapshot_is_altered_nothing_is_offered_and_the_load_does_not_fail()
    {
        foreach (var seqNr in new long[] { 11, 12, 13 }) FlipOneByte(seqNr, offset: 1);
        EventFilter.Error(contains: "REFUSED").Expect(3, () => Assert.Null(Load()));
    }

    [Fact]
    public void Altered_metadata_is_refused_too()
    {
        using (var mux = ConnectionMultiplexer.Connect(_redis.Server.ConnectionString))
        {
            // Move the newest snapshot's timestamp: the signature covers it.
            var key = $"{_prefix}{{{_pid}}}:snapshot-meta";
            var meta = Meta(13);
            var ticks = long.Parse(meta[..20]) + 1;
            mux.GetDatabase().HashSet(key, 13, ticks.ToString("D20") + meta[20..]);
        }
        Assert.Equal("s-2", Load()!.Snapshot);
    }

    [Theory]
    [InlineData(4, "0000000000000000", "s-3")] // the checksum: the verified signature proves the payload, which loads
    [InlineData(2, "0", "s-2")] // a chunk size of 0 would divide by zero: refused, the previous snapshot serves
    [InlineData(3, "2147483000", "s-2")] // a length of 2 GB would be allocated before any check: refused the same way
    public void Altered_fields_outside_the_signature_never_fail_the_load(int field, string value, string loaded)
    {
        using (var mux = ConnectionMultiplexer.Connect(_redis.Server.ConnectionString))
        {
            var parts = Meta(13).Split('|');
            parts[field] = value;
            mux.GetDatabase().HashSet($"{_prefix}{{{_pid}}}:snapshot-meta", 13, string.Join('|', parts));
        }
        Assert.Equal(loaded, Load()!.Snapshot);
    }

    [Fact]
    public void A_snapshot_with_malformed_metadata_is_still_deleted_by_criteria()
    {
        using (var mux = ConnectionMultiplexer.Connect(_redis.Server.ConnectionString))
        {
            var parts = Meta(13).Split('|');
            parts[2] = "0";
            mux.GetDatabase().HashSet($"{_prefix}{{{_pid}}}:snapshot-meta", 13, string.Join('|', parts));
        }
        // As a forget deletes: every snapshot. One malformed record must not make the whole deletion fail.
        _store.Tell(new DeleteSnapshots(_pid, SnapshotSelectionCriteria.Latest), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotsSuccess>();
        Assert.Null(Load());
        Assert.Equal("", Meta(13));
    }

    [Fact]
    public async Task A_store_with_another_key_refuses_every_snapshot()
    {
        var other = Akka.Actor.ActorSystem.Create("other-key", PersistenceTestConfig.For(_redis.Server.ConnectionString, _prefix,
            SigningConfig(NewKeyFile())));
        try
        {
            var store = Akka.Persistence.Persistence.Instance.Apply(other).SnapshotStoreFor(null);
            var probe = new TestProbe(other, new Akka.TestKit.Xunit2.XunitAssertions());
            store.Tell(new LoadSnapshot(_pid, SnapshotSelectionCriteria.Latest, long.MaxValue), probe.Ref);
            Assert.Null(probe.ExpectMsg<LoadSnapshotResult>().Snapshot);
            Assert.Contains("which this node does not hold", SnapshotRefusals.Get(other).Find(_pid)!.Reason);
        }
        finally { await other.Terminate(); }
    }

    [Fact]
    public async Task Unsigned_snapshots_are_refused_unless_allow_unsigned_is_on()
    {
        var unsigned = Akka.Actor.ActorSystem.Create("unsigned", PersistenceTestConfig.For(_redis.Server.ConnectionString, _prefix,
            SigningConfig(null)));
        var migrating = Akka.Actor.ActorSystem.Create("migrating", PersistenceTestConfig.For(_redis.Server.ConnectionString, _prefix,
            SigningConfig(KeyFile, allowUnsigned: true)));
        try
        {
            var probe = new TestProbe(unsigned, new Akka.TestKit.Xunit2.XunitAssertions());
            var plain = Akka.Persistence.Persistence.Instance.Apply(unsigned).SnapshotStoreFor(null);
            plain.Tell(new SaveSnapshot(new SnapshotMetadata(_pid, 20, DateTime.UtcNow), "unsigned-20"), probe.Ref);
            probe.ExpectMsg<SaveSnapshotSuccess>();
            Assert.DoesNotContain("hs256:", Meta(20));

            // Our store (key, allow-unsigned off): the unsigned one is refused, the older signed one served.
            Assert.Equal("s-3", Load()!.Snapshot);
            Assert.Contains("no signature", SnapshotRefusals.Get(Sys).Find(_pid)!.Reason);

            // Migration setting on: loaded.
            var migratingProbe = new TestProbe(migrating, new Akka.TestKit.Xunit2.XunitAssertions());
            var store = Akka.Persistence.Persistence.Instance.Apply(migrating).SnapshotStoreFor(null);
            store.Tell(new LoadSnapshot(_pid, SnapshotSelectionCriteria.Latest, long.MaxValue), migratingProbe.Ref);
            Assert.Equal("unsigned-20", migratingProbe.ExpectMsg<LoadSnapshotResult>().Snapshot!.Snapshot);
        }
        finally
        {
            await unsigned.Terminate();
            await migrating.Terminate();
        }
    }
}
