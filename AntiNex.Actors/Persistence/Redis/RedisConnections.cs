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

    /// <summary>
    /// The connection of this system's default journal when it is this plugin: the very multiplexer the journal and the
    /// snapshot store use, for whatever else of the node talks to the same Redis (a catalog, a health check). Null when
    /// the default journal is another plugin.
    /// </summary>
    public RedisPluginConnection? DefaultPlugin()
    {
        var config = _system.Settings.Config;
        var pluginId = config.GetString("akka.persistence.journal.plugin", "");
        if (pluginId.Length == 0 || !config.HasPath(pluginId)) return null;
        var section = config.GetConfig(pluginId);
        if (section.GetString("class", "") != RedisPersistenceConfig.ClassName(typeof(RedisJournal))) return null;
        var settings = RedisPersistenceSettings.FromConfig(
            section.WithFallback(RedisPersistenceConfig.DefaultConfig().GetConfig(RedisPersistenceConfig.JournalPluginId)));
        return new RedisPluginConnection(GetAsync(settings), settings.KeyPrefix, settings.Database);
    }

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
