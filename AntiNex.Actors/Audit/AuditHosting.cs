using Akka.Actor;
using Akka.Hosting;

namespace AntiNex.Audit;

/// <summary>Marker of this node's <see cref="AuditService"/> in the ActorRegistry.</summary>
public sealed class AuditServiceKey;

public static class AuditHosting
{
    /// <summary>Default size cap of the audit stream (XADD MAXLEN ~).</summary>
    public const int DefaultMaxEntries = 100_000;

    /// <summary>Starts the node's audit service at /user/audit (where gateways ask it).</summary>
    public static AkkaConfigurationBuilder WithAntiNexAudit(this AkkaConfigurationBuilder builder, IAuditLog log) =>
        builder.WithAntiNexAudit(_ => log);

    /// <summary>The log made once the actor system runs (e.g. on the persistence plugin's Redis connection).</summary>
    public static AkkaConfigurationBuilder WithAntiNexAudit(this AkkaConfigurationBuilder builder, Func<ActorSystem, IAuditLog> log) =>
        builder.WithActors((system, registry) =>
            registry.Register<AuditServiceKey>(system.ActorOf(AuditService.Props(log(system)), AuditService.Name)));
}
