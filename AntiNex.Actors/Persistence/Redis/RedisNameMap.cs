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

    // Read, compared and written in one script on one key (so also within one Redis Cluster slot): a writer holding an
    // older value cannot replace a newer one that landed after it read.
    private const string SetUnlessNewerScript = """
        local old = redis.call('HGET', KEYS[1], ARGV[1])
        if old then
          local ok, stored = pcall(cjson.decode, old)
          local at = ok and type(stored) == 'table' and tonumber(stored[ARGV[3]])
          if at and at >= tonumber(ARGV[4]) then return 0 end
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return 1
        """;

    /// <summary>Sets the name's JSON value unless the stored one's number <paramref name="orderField"/> is already at or
    /// above <paramref name="order"/>, in one atomic step. A stored value without that number is replaced. True when set.</summary>
    public async Task<bool> SetUnlessNewerAsync(string name, string json, string orderField, long order)
    {
        var db = await _connection.DatabaseAsync().ConfigureAwait(false);
        var result = await db.ScriptEvaluateAsync(SetUnlessNewerScript, [_key], [name, json, orderField, order]).ConfigureAwait(false);
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
