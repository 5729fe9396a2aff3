// The node's audit log: the cluster's Redis stream <prefix>audit when Redis is configured, else this process's memory.
// Size cap: --Audit:MaxEntries N (ANTINEX_Audit__MaxEntries, appsettings "Audit": { "MaxEntries": N }).
using AntiNex.Audit;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace AntiNex.Node;

internal static class NodeAudit
{
    public static IAuditLog Log(IConnectionMultiplexer? redis, NodeSettings settings, IConfiguration configuration)
    {
        var raw = configuration["Audit:MaxEntries"];
        var max = AuditHosting.DefaultMaxEntries;
        if (!string.IsNullOrWhiteSpace(raw) && (!int.TryParse(raw, out max) || max < 100))
            throw new ArgumentException($"Audit:MaxEntries: '{raw}' is not an integer >= 100");
        return redis is null ? new InMemoryAuditLog(max) : new RedisAuditLog(redis, settings.RedisPrefix + "audit", max);
    }
}
