using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>
/// The plugin's one connection to Redis, with its key prefix, offered to the rest of the node so that nothing opens a
/// second connection beside it: either opened before the actor system (<see cref="Open"/>, handed to the plugin with
/// <see cref="RedisPersistenceHostingExtensions.WithRedisConnection"/>) or taken from a running system
/// (<see cref="RedisConnections.DefaultPlugin"/>).
/// </summary>
public sealed class RedisPluginConnection
{
    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly RedisPersistenceSettings _settings;

    internal RedisPluginConnection(Task<ConnectionMultiplexer> connection, RedisPersistenceSettings settings, string key)
    {
        _connection = connection;
        _settings = settings;
        Key = key;
    }

    /// <summary>Connects with the options the plugin would use for this configuration string and key prefix (never
    /// throws when Redis is down: StackExchange.Redis keeps retrying).</summary>
    public static RedisPluginConnection Open(string configurationString, string keyPrefix, string actorSystemName)
    {
        var settings = new RedisPersistenceSettings { ConfigurationString = configurationString, KeyPrefix = keyPrefix };
        settings.Validate();
        var options = RedisConnections.OptionsFor(settings, actorSystemName);
        return new RedisPluginConnection(RedisConnections.ConnectAsync(options, log: null), settings, RedisConnections.KeyFor(options, settings));
    }

    public string ConfigurationString => _settings.ConfigurationString;
    public string KeyPrefix => _settings.KeyPrefix;

    /// <summary>Which plugin settings this connection serves (<see cref="RedisConnections"/> shares it by this key).</summary>
    internal string Key { get; }

    public Task<ConnectionMultiplexer> MultiplexerAsync() => _connection;

    public async Task<IDatabase> DatabaseAsync() => (await _connection.ConfigureAwait(false)).GetDatabase(_settings.Database);

    /// <summary>PING round trip; throws when Redis does not answer.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
        => await (await DatabaseAsync().ConfigureAwait(false)).PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>A set of names kept beside the plugin's keys, under <c>&lt;key-prefix&gt;&lt;name&gt;</c>.</summary>
    public RedisNameSet NameSet(string name) => new(this, KeyPrefix + name);

    /// <summary>A hash of name -> text kept beside the plugin's keys, under <c>&lt;key-prefix&gt;&lt;name&gt;</c>.</summary>
    public RedisNameMap NameMap(string name) => new(this, KeyPrefix + name);

    /// <summary>A growing counter under the plugin's key prefix (e.g. a catalog's generation).</summary>
    public RedisCounter Counter(string name) => new(this, KeyPrefix + name);
}
