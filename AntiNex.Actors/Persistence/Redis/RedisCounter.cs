using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>A Redis integer on the plugin's connection that only grows, e.g. a generation that readers of a set compare
/// with the one their cached copy was read at.</summary>
public sealed class RedisCounter
{
    private readonly RedisPluginConnection _connection;
    private readonly RedisKey _key;

    internal RedisCounter(RedisPluginConnection connection, string key)
    {
        _connection = connection;
        _key = key;
    }

    public async Task IncrementAsync()
        => await (await _connection.DatabaseAsync().ConfigureAwait(false)).StringIncrementAsync(_key).ConfigureAwait(false);

    /// <summary>The current value; 0 when never incremented.</summary>
    public async Task<long> GetAsync()
    {
        var value = await (await _connection.DatabaseAsync().ConfigureAwait(false)).StringGetAsync(_key).ConfigureAwait(false);
        return value.IsNull ? 0 : (long)value;
    }
}
