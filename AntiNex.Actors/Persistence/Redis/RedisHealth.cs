using Akka.Persistence;
using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>Health of a plugin's Redis connection: PING round trip (Healthy), or the failure (Unhealthy).</summary>
internal static class RedisHealth
{
    public static async Task<PersistenceHealthCheckResult> CheckAsync(Task<ConnectionMultiplexer> connection, int database, CancellationToken cancellationToken)
    {
        try
        {
            var latency = await (await connection.ConfigureAwait(false)).GetDatabase(database).PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return new PersistenceHealthCheckResult(PersistenceHealthStatus.Healthy,
                $"Redis PING {latency.TotalMilliseconds:0.0} ms", null, new Dictionary<string, object> { ["redis-ping-ms"] = latency.TotalMilliseconds });
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new PersistenceHealthCheckResult(PersistenceHealthStatus.Unhealthy,
                "Redis unreachable: " + e.Message, e, null);
        }
    }
}
