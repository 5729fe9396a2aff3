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

    /// <summary>The values of the given names, in their order (null where a name has none); one round trip.</summary>
    public async Task<IReadOnlyList<string?>> GetAsync(IReadOnlyList<string> names)
    {
        if (names.Count == 0) return [];
        var values = await (await _connection.DatabaseAsync().ConfigureAwait(false))
            .HashGetAsync(_key, names.Select(n => (RedisValue)n).ToArray()).ConfigureAwait(false);
        return values.Select(v => v.IsNull ? null : (string?)v.ToString()).ToList();
    }
}
