// A record of the cluster's live members kept next to the models in Redis, so a starting node can tell whether a cluster
// already runs on this data before it would form a new one. Expiry uses Redis' clock, so node clocks need not agree.
using StackExchange.Redis;

namespace AntiNex.Cluster;

public interface IClusterLiveness
{
    /// <summary>This member is Up: keep its record alive for <paramref name="ttl"/>.</summary>
    Task RefreshAsync(string address, TimeSpan ttl);
    /// <summary>This member leaves: drop its record at once.</summary>
    Task RemoveAsync(string address);
    /// <summary>Addresses whose records have not expired.</summary>
    Task<IReadOnlyList<string>> AliveAsync();
}

/// <summary>One sorted set, <c>&lt;prefix&gt;cluster:members</c>: member = akka address, score = expiry (Redis time, ms).</summary>
/// <remarks>The connection is asked for at each use: it is the persistence plugin's, which exists only once the actor
/// system runs.</remarks>
public sealed class RedisClusterLiveness(Func<Task<IConnectionMultiplexer>> redis, string keyPrefix) : IClusterLiveness
{
    private const string RefreshScript = """
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        return 1
        """;

    private const string AliveScript = """
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')
        """;

    private readonly RedisKey _key = keyPrefix + "cluster:members";

    public async Task RefreshAsync(string address, TimeSpan ttl)
        => await (await redis()).GetDatabase().ScriptEvaluateAsync(RefreshScript, [_key], [address, (long)ttl.TotalMilliseconds]);

    public async Task RemoveAsync(string address) => await (await redis()).GetDatabase().SortedSetRemoveAsync(_key, address);

    public async Task<IReadOnlyList<string>> AliveAsync()
    {
        var result = await (await redis()).GetDatabase().ScriptEvaluateAsync(AliveScript, [_key]);
        return ((RedisValue[]?)result ?? []).Select(v => v.ToString()).ToList();
    }
}
