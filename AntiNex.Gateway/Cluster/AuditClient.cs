// Reads the audit trail through the cluster: a model node's audit service answers, so the gateway needs no Redis access.
using Akka.Actor;
using Akka.Cluster;
using AntiNex.Audit;
using AntiNex.Cluster;

namespace AntiNex.Gateway.Cluster;

public static class AuditClient
{
    /// <summary>Asks the audit service of one Up model node (the next one when a node does not answer).</summary>
    public static async Task<AuditEntries> AuditAsync(this GatewayClient client, QueryAudit query, TimeSpan timeout)
    {
        var members = Akka.Cluster.Cluster.Get(client.System).State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(AntiNexRoles.Model)).OrderBy(_ => Random.Shared.Next()).ToList();
        if (members.Count == 0) throw new ClusterUnavailableException("no model node is Up in the cluster");
        Exception? last = null;
        foreach (var member in members)
        {
            try
            {
                var audit = client.System.ActorSelection(new RootActorPath(member.Address) / "user" / AuditService.Name);
                return await audit.Ask<AuditEntries>(query, timeout);
            }
            catch (Exception ex) { last = ex; }
        }
        throw new ClusterUnavailableException($"no audit service answered: {last?.Message}", last);
    }
}
