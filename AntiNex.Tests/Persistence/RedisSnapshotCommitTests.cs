using System.Globalization;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using AntiNex.Tests.Infrastructure;
using StackExchange.Redis;

namespace AntiNex.Tests.Persistence;

/// <summary>
/// A snapshot save that fails around its commit, through a proxy that holds Redis traffic back: what Redis holds
/// afterwards must agree with what was reported. Each test owns its redis-server.
/// </summary>
public sealed class RedisSnapshotCommitTests : IAsyncLifetime
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(4);
    private readonly string _pid = "c-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _prefix = PersistenceTestConfig.NewPrefix();
    private RedisServer _redis = null!;

    public Task InitializeAsync()
    {
        _redis = RedisServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private TestKit KitThrough(HoldingTcpProxy proxy, string extra, string name) =>
        new(PersistenceTestConfig.For($"127.0.0.1:{proxy.Port}", _prefix, extra), name);

    private static IActorRef Store(TestKit kit) => Akka.Persistence.Persistence.Instance.Apply(kit.Sys).SnapshotStoreFor(null);

    /// <summary>The latest snapshot as a fresh node, connected straight to Redis, loads it.</summary>
    private SelectedSnapshot? LoadLatestAsAnotherNode()
    {
        using var reader = new TestKit(PersistenceTestConfig.For(_redis.ConnectionString, _prefix), "reader");
        Store(reader).Tell(new LoadSnapshot(_pid, SnapshotSelectionCriteria.Latest, long.MaxValue), reader.TestActor);
        return reader.ExpectMsg<LoadSnapshotResult>(TimeSpan.FromSeconds(10)).Snapshot;
    }

    [Fact]
    public void A_commit_whose_reply_times_out_keeps_its_pieces_and_the_snapshot_loads()
    {
        using var proxy = new HoldingTcpProxy(_redis.Port);
        using var kit = KitThrough(proxy, """
            akka.persistence.snapshot-store.redis.operation-timeout = 1s
            akka.persistence.snapshot-store.redis.circuit-breaker.max-failures = 1
            akka.persistence.snapshot-store.redis.circuit-breaker.reset-timeout = 60s
            """, "commit-reply-late");
        var store = Store(kit);
        store.Tell(new SaveSnapshot(new SnapshotMetadata(_pid, 1, DateTime.UtcNow), "first"), kit.TestActor);
        kit.ExpectMsg<SaveSnapshotSuccess>();

        // Redis runs the commit, its reply arrives after the operation timeout: the save is reported failed, and the
        // circuit it opened refuses Akka's follow-up delete, so the second snapshot stays committed.
        proxy.HoldRepliesAfter("snapshot-meta", Hold);
        store.Tell(new SaveSnapshot(new SnapshotMetadata(_pid, 2, DateTime.UtcNow), "second"), kit.TestActor);
        kit.ExpectMsg<SaveSnapshotFailure>(TimeSpan.FromSeconds(15));

        Assert.NotEmpty(RedisAdmin.Keys(_redis, $"{_prefix}{{{_pid}}}:snapshot:2:*"));
        var loaded = LoadLatestAsAnotherNode();
        Assert.Equal(2, loaded?.Metadata.SequenceNr);
        Assert.Equal("second", loaded?.Snapshot);
    }

    [Fact]
    public void A_save_cancelled_by_its_call_timeout_is_never_committed()
    {
        using var proxy = new HoldingTcpProxy(_redis.Port);
        using var kit = KitThrough(proxy, "akka.persistence.snapshot-store.redis.circuit-breaker.call-timeout = 1s", "save-cancelled");
        proxy.HoldRequest($"{{{_pid}}}:snapshot:", Hold);
        Store(kit).Tell(new SaveSnapshot(new SnapshotMetadata(_pid, 1, DateTime.UtcNow), "late"), kit.TestActor);
        kit.ExpectMsg<SaveSnapshotFailure>(TimeSpan.FromSeconds(10));

        // The pieces reach Redis only after the failure was reported: the save must delete them, not commit them.
        using var admin = ConnectionMultiplexer.Connect(_redis.ConnectionString);
        var metaKey = $"{_prefix}{{{_pid}}}:snapshot-meta";
        bool Committed() => admin.GetDatabase().HashExists(metaKey, 1);
        kit.AwaitCondition(() => Committed() || KeyDeletes(admin) > 0, TimeSpan.FromSeconds(15));
        Assert.False(Committed());
        Assert.Empty(RedisAdmin.Keys(_redis, $"{_prefix}{{{_pid}}}:snapshot:*"));
        Assert.Null(LoadLatestAsAnotherNode());
    }

    /// <summary>Key deletions Redis has run so far (StackExchange.Redis deletes with UNLINK where it can).</summary>
    private static long KeyDeletes(ConnectionMultiplexer admin)
    {
        var stats = admin.GetServer(admin.GetEndPoints()[0]).Info("commandstats").SelectMany(g => g).ToList();
        return new[] { "cmdstat_del", "cmdstat_unlink" }.Sum(command =>
            stats.FirstOrDefault(kv => kv.Key == command).Value is { } value // "calls=N,usec=..."
                ? long.Parse(value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture)
                : 0);
    }
}
