using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace AntiNex.Node.Health;

/// <summary>Redis answers a read of a key under the node's prefix within 2 s: without it no model can be stored or loaded.
/// A key, not PING: PING passes for any user, while a prefix the Redis user may not touch (a missing colon, another
/// deployment's prefix) fails every journal and snapshot command.</summary>
internal sealed class RedisReadiness(IConnectionMultiplexer redis, string prefix) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var key = prefix + "cluster:members";
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await redis.GetDatabase().KeyExistsAsync(key).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy($"EXISTS {key} {clock.Elapsed.TotalMilliseconds:0.0} ms");
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOPERM", StringComparison.Ordinal))
        {
            return HealthCheckResult.Unhealthy($"the Redis user may not read '{key}' (check --redis-prefix against its ACL): {ex.Message}");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"unreachable: {ex.Message}");
        }
    }
}
