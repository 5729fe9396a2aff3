using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>The plugin's one connection to Redis, with its key prefix and database, offered to the rest of the node (see
/// <see cref="RedisConnections.DefaultPlugin"/>) so that nothing opens a second connection beside it.</summary>
public sealed class RedisPluginConnection(Task<ConnectionMultiplexer> connection, string keyPrefix, int database)
{
    public string KeyPrefix => keyPrefix;

    /// <summary>The plugin's multiplexer (connects on first use; never throws when Redis is down).</summary>
    public Task<ConnectionMultiplexer> MultiplexerAsync() => connection;

    public async Task<IDatabase> DatabaseAsync() => (await connection.ConfigureAwait(false)).GetDatabase(database);

    /// <summary>PING round trip; throws when Redis does not answer.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
        => await (await DatabaseAsync().ConfigureAwait(false)).PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>A set of names kept beside the plugin's keys, under <c>&lt;key-prefix&gt;&lt;name&gt;</c>.</summary>
    public RedisNameSet NameSet(string name) => new(this, keyPrefix + name);
}
