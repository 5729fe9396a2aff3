using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace AntiNex.Node.Health;

/// <summary>Redis answers PING within 2 s: without it no model can be stored or loaded.</summary>
internal sealed class RedisReadiness(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy($"PING {latency.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"unreachable: {ex.Message}");
        }
    }
}
