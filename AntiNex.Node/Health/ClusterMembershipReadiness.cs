// Ready only while this member can serve: Up (not joining, leaving, exiting, down or removed) and on the side of a
// partition that keeps running. A node that others cannot reach — a stalled process, a cut link — sees most of its
// peers as unreachable, or notices it was frozen (StallWatch); it turns not-ready at once instead of when the
// split-brain resolver finally downs it.
using Akka.Actor;
using Akka.Cluster;
using AntiNex.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AntiNex.Node.Health;

internal sealed class ClusterMembershipReadiness(ActorSystem system, StallWatch stalls, DowningStrategy strategy) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var self = cluster.SelfMember;
        if (system.WhenTerminated.IsCompleted) return Task.FromResult(HealthCheckResult.Unhealthy("actor system terminated"));
        if (self.Status != MemberStatus.Up) return Task.FromResult(HealthCheckResult.Unhealthy(NotUp(self.Status, state)));
        if (stalls.Problem() is { } stalled) return Task.FromResult(HealthCheckResult.Unhealthy(stalled));
        if (!OnKeptSide(state, self, strategy, out var reason)) return Task.FromResult(HealthCheckResult.Unhealthy(reason));
        return Task.FromResult(HealthCheckResult.Healthy($"Up {cluster.SelfAddress}"));
    }

    /// <summary>Why this node is not Up, in an operator's words. Before it has joined, Akka reports the node's own status as
    /// Removed, which would read as if it had been thrown out.</summary>
    internal static string NotUp(MemberStatus status, ClusterEvent.CurrentClusterState state) => status switch
    {
        MemberStatus.Removed when state.Members.IsEmpty => "not a member yet: joining the cluster",
        MemberStatus.Removed => "member Removed: it left or was downed (restart the node to join again)",
        MemberStatus.Joining or MemberStatus.WeaklyUp => $"member {status}: waiting for the cluster to make it Up",
        _ => $"member {status}",
    };

    /// <summary>The split-brain resolver's rule among model members, as this node sees them. Keep-majority: the side this
    /// node is on must be the larger one (on a tie, the side with the lowest address). Keep-oldest: the side of the oldest
    /// member, unless that member is alone there while more than one is on the other side (down-if-alone).</summary>
    internal static bool OnKeptSide(ClusterEvent.CurrentClusterState state, Member self, DowningStrategy strategy, out string reason)
    {
        var voters = state.Members.Where(m => m.HasRole(AntiNexRoles.Model) && m.Status is MemberStatus.Up or MemberStatus.Leaving)
            .ToList();
        if (!self.HasRole(AntiNexRoles.Model)) voters.Add(self);
        var unreachable = voters.Where(m => state.Unreachable.Contains(m)).ToList();
        reason = "";
        if (unreachable.Count == 0) return true;
        var reachable = voters.Except(unreachable).ToList();
        var oldest = voters.Where(m => m.HasRole(AntiNexRoles.Model)).DefaultIfEmpty(self).Aggregate((a, b) => b.IsOlderThan(a) ? b : a);
        var kept = strategy == DowningStrategy.KeepOldest
            ? FailureDetection.KeepOldestKeeps(!unreachable.Contains(oldest), reachable.Count, unreachable.Count)
            : reachable.Count * 2 > voters.Count ||
              (reachable.Count * 2 == voters.Count &&
               reachable.MinBy(m => m.Address, Member.AddressOrdering)!.Address == voters.MinBy(m => m.Address,
                   Member.AddressOrdering)!.Address);
        if (!kept)
            reason = $"cut off: {unreachable.Count} of {voters.Count} model members unreachable from here " +
                     $"({string.Join(", ", unreachable.Select(m => m.Address))})";
        return kept;
    }
}
