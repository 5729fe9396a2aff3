// The node's audit log: the cluster's Redis stream <prefix>audit when Redis is configured, else this process's memory.
// Size cap: --Audit:MaxEntries N (ANTINEX_Audit__MaxEntries, appsettings "Audit": { "MaxEntries": N }).
using Akka.Actor;
using AntiNex.Audit;
using AntiNex.Persistence.Signing;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace AntiNex.Node;

internal static class NodeAudit
{
    /// <summary>The log, made once the actor system runs; <paramref name="redis"/> gives the plugin's connection.</summary>
    public static Func<ActorSystem, IAuditLog> Log(Func<ActorSystem, IConnectionMultiplexer>? redis, NodeSettings settings,
        IConfiguration configuration)
    {
        var raw = configuration["Audit:MaxEntries"];
        var max = AuditHosting.DefaultMaxEntries;
        if (!string.IsNullOrWhiteSpace(raw) && (!int.TryParse(raw, out max) || max < 100))
            throw new ArgumentException($"Audit:MaxEntries: '{raw}' is not an integer >= 100");
        if (redis is null) return _ => new InMemoryAuditLog(max);
        // The model key signs the entries too: a node writes them, and whoever holds only the Redis password cannot.
        AuditSigner? signer = null;
        if (settings.ModelKeyFile is not null)
        {
            var (current, previous) = ModelSigning.Keys(settings);
            signer = new AuditSigner(current, previous);
        }
        return system => new RedisAuditLog(redis(system), settings.RedisPrefix + "audit", max, signer);
    }
}
