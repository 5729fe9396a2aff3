// Reads the audit trail through the cluster: a model node's audit service answers, so the gateway needs no Redis access.
using Akka.Actor;
using Akka.Cluster;
using AntiNex.Audit;
using AntiNex.Cluster;

namespace AntiNex.Gateway.Cluster;

public static class AuditClient
{
    /// <summary>Asks the audit service of one reachable Up model node, the next one when a node does not answer, all within
    /// <paramref name="timeout"/> (a node that stopped answering does not take the whole time from the others).</summary>
    public static async Task<AuditEntries> AuditAsync(this GatewayClient client, QueryAudit query, TimeSpan timeout)
    {
        var state = Akka.Cluster.Cluster.Get(client.System).State;
        var members = state.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(AntiNexRoles.Model) && !state.Unreachable.Contains(m))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        if (members.Count == 0) throw new ClusterUnavailableException("no reachable model node is Up in the cluster");
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        for (int i = 0; i < members.Count; i++)
        {
            // Each node gets an equal share of what is left, the last one all of it.
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) break;
            var share = left / (members.Count - i);
            try
            {
                var audit = client.System.ActorSelection(new RootActorPath(members[i].Address) / "user" / AuditService.Name);
                return await audit.Ask<AuditEntries>(query, share);
            }
            catch (Exception ex) { last = ex; }
        }
        throw new ClusterUnavailableException($"no audit service answered within {timeout.TotalSeconds:F0} s: {last?.Message}", last);
    }
}
