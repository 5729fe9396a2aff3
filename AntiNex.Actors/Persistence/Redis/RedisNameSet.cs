using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>A Redis set of names on the plugin's connection, e.g. the persistence ids that have stored state.</summary>
public sealed class RedisNameSet
{
    private readonly RedisPluginConnection _connection;
    private readonly RedisKey _key;

    internal RedisNameSet(RedisPluginConnection connection, string key)
    {
        _connection = connection;
        _key = key;
    }

    public async Task AddAsync(string name) => await (await _connection.DatabaseAsync().ConfigureAwait(false)).SetAddAsync(_key, name)
        .ConfigureAwait(false);

    public async Task RemoveAsync(string name)
        => await (await _connection.DatabaseAsync().ConfigureAwait(false)).SetRemoveAsync(_key, name).ConfigureAwait(false);

    public async Task<bool> ContainsAsync(string name)
        => await (await _connection.DatabaseAsync().ConfigureAwait(false)).SetContainsAsync(_key, name).ConfigureAwait(false);

    /// <summary>Every name, in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> AllAsync()
    {
        var members = await (await _connection.DatabaseAsync().ConfigureAwait(false)).SetMembersAsync(_key).ConfigureAwait(false);
        return members.Select(v => v.ToString()).Order(StringComparer.Ordinal).ToList();
    }
}
