using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>
/// Akka extension that owns the ConnectionMultiplexer(s) of one ActorSystem: the journal and the snapshot store
/// share one multiplexer when they use the same configuration, and it is disposed when the system terminates.
/// StackExchange.Redis reconnects by itself, so the plugins recover without a restart once Redis is back.
/// </summary>
public sealed class RedisConnections : IExtension, IDisposable
{
    private readonly ExtendedActorSystem _system;
    private readonly ILoggingAdapter _log;
    private readonly ConcurrentDictionary<string, Lazy<Task<ConnectionMultiplexer>>> _multiplexers = new();
    private int _disposed;

    public RedisConnections(ExtendedActorSystem system)
    {
        _system = system;
        _log = Logging.GetLogger(system, typeof(RedisConnections));
        system.RegisterOnTermination(Dispose);
    }

    public static RedisConnections Get(ActorSystem system) => system.WithExtension<RedisConnections, RedisConnectionsProvider>();

    /// <summary>The shared multiplexer for these settings; connects on first use (never throws when Redis is down).</summary>
    public Task<ConnectionMultiplexer> GetAsync(RedisPersistenceSettings settings)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var options = settings.ToConfigurationOptions();
        // CLIENT LIST shows which actor system holds a connection, unless the connection string names it.
        if (string.IsNullOrEmpty(options.ClientName)) options.ClientName = "antinex-" + _system.Name;
        var key = options.ToString(includePassword: true) + "|backlog=" + settings.FailFastWhenDisconnected + "|ca=" + settings.TlsCaCertificate;
        return _multiplexers.GetOrAdd(key, _ => new Lazy<Task<ConnectionMultiplexer>>(() => ConnectAsync(options))).Value;
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions options)
    {
        var safe = options.ToString(includePassword: false);
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) =>
            _log.Warning("Redis connection to {0} failed ({1}): {2}", e.EndPoint, e.FailureType, e.Exception?.Message);
        multiplexer.ConnectionRestored += (_, e) => _log.Info("Redis connection to {0} restored", e.EndPoint);
        if (multiplexer.IsConnected) _log.Info("Redis persistence connected: {0}", safe);
        else _log.Warning("Redis persistence not connected yet (retrying in the background): {0}", safe);
        return multiplexer;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var lazy in _multiplexers.Values)
        {
            if (!lazy.IsValueCreated) continue;
            var task = lazy.Value;
            if (task.IsCompletedSuccessfully) task.Result.Dispose();
            else task.ContinueWith(t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); }, TaskScheduler.Default);
        }
        _multiplexers.Clear();
    }
}

public sealed class RedisConnectionsProvider : ExtensionIdProvider<RedisConnections>
{
    public override RedisConnections CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>Key layout. Every key of one persistence id carries the hash tag {pid}, so Redis Cluster keeps them in one slot.</summary>
internal sealed class RedisKeys(string prefix)
{
    private static string Tag(string persistenceId) => "{" + persistenceId + "}";

    /// <summary>Sorted set: member = serialized Persistent, score = sequence number.</summary>
    public RedisKey Events(string pid) => $"{prefix}{Tag(pid)}:events";

    /// <summary>String: highest sequence number ever written; deletes never lower or remove it.</summary>
    public RedisKey HighestSequenceNr(string pid) => $"{prefix}{Tag(pid)}:highest";

    /// <summary>Sorted set: member = sequence number (as text), score = sequence number; the snapshot index.</summary>
    public RedisKey SnapshotIndex(string pid) => $"{prefix}{Tag(pid)}:snapshots";

    /// <summary>Hash: field = sequence number, value = <see cref="SnapshotRecord"/> (small metadata).</summary>
    public RedisKey SnapshotMeta(string pid) => $"{prefix}{Tag(pid)}:snapshot-meta";

    /// <summary>String: one piece of one snapshot payload; <paramref name="generation"/> makes overwrites safe.</summary>
    public RedisKey SnapshotChunk(string pid, long sequenceNr, string generation, int index) =>
        $"{prefix}{Tag(pid)}:snapshot:{sequenceNr}:{generation}:{index}";
}

/// <summary>Health of a plugin's Redis connection: PING round trip (Healthy), or the failure (Unhealthy).</summary>
internal static class RedisHealth
{
    public static async Task<Akka.Persistence.PersistenceHealthCheckResult> CheckAsync(Task<ConnectionMultiplexer> connection, int database, CancellationToken cancellationToken)
    {
        try
        {
            var latency = await (await connection.ConfigureAwait(false)).GetDatabase(database).PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Akka.Persistence.PersistenceHealthCheckResult(Akka.Persistence.PersistenceHealthStatus.Healthy,
                $"Redis PING {latency.TotalMilliseconds:0.0} ms", null, new Dictionary<string, object> { ["redis-ping-ms"] = latency.TotalMilliseconds });
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new Akka.Persistence.PersistenceHealthCheckResult(Akka.Persistence.PersistenceHealthStatus.Unhealthy,
                "Redis unreachable: " + e.Message, e, null);
        }
    }
}
