using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>A Redis hash of name -> text on the plugin's connection, e.g. a small description per stored name.</summary>
public sealed class RedisNameMap
{
    private readonly RedisPluginConnection _connection;
    private readonly RedisKey _key;

    internal RedisNameMap(RedisPluginConnection connection, string key)
    {
        _connection = connection;
        _key = key;
    }

    public async Task SetAsync(string name, string value)
        => await (await _connection.DatabaseAsync().ConfigureAwait(false)).HashSetAsync(_key, name, value).ConfigureAwait(false);

    public async Task RemoveAsync(string name)
        => await (await _connection.DatabaseAsync().ConfigureAwait(false)).HashDeleteAsync(_key, name).ConfigureAwait(false);

    // Checked and written in one script: a writer that removes the name from the set in between must win.
    private const string SetWhileMemberScript = """
        if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
          return 1
        end
        return 0
        """;

    /// <summary>Sets the name's value only while the name is in <paramref name="members"/>, in one atomic step: a value
    /// computed before a removal cannot bring the name back. True when it was set.</summary>
    public async Task<bool> SetWhileMemberAsync(string name, string value, RedisNameSet members)
    {
        var db = await _connection.DatabaseAsync().ConfigureAwait(false);
        var result = await db.ScriptEvaluateAsync(SetWhileMemberScript, [_key, members.Key], [name, value]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>The values of the given names, in their order (null where a name has none); one round trip.</summary>
    public async Task<IReadOnlyList<string?>> GetAsync(IReadOnlyList<string> names)
    {
        if (names.Count == 0) return [];
        var values = await (await _connection.DatabaseAsync().ConfigureAwait(false))
            .HashGetAsync(_key, names.Select(n => (RedisValue)n).ToArray()).ConfigureAwait(false);
        return values.Select(v => v.IsNull ? null : (string?)v.ToString()).ToList();
    }
}
