using Akka.Actor;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AntiNex.Node.Health;

/// <summary>Live while the actor system runs: a terminated system never comes back, the process must be restarted.</summary>
internal sealed class ActorSystemLiveness(ActorSystem system) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(system.WhenTerminated.IsCompleted
            ? HealthCheckResult.Unhealthy("actor system terminated")
            : HealthCheckResult.Healthy("alive"));
}
