// Keeps the gateway's CopyTable current: the model nodes' copy reports and version announcements (DistributedPubSub),
// minus the nodes that are unreachable or gone.
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using AntiNex.Cluster;
using AntiNex.Replicas;

namespace AntiNex.Gateway.Cluster;

internal sealed class CopyWatcher : ReceiveActor
{
    public const string Name = "copy-watcher";

    private readonly CopyTable _table;
    private readonly Dictionary<string, CopiesHeld> _reports = [];
    private readonly HashSet<string> _usable = [];

    public CopyWatcher(CopyTable table)
    {
        _table = table;
        Receive<CopiesHeld>(m =>
        {
            if (!_usable.Contains(m.Address)) return;
            _reports[m.Address] = m;
            Rebuild();
        });
        Receive<CopyVersionChanged>(m =>
        {
            if (m.Forgotten) _table.Forget(m.ModelId);
            else _table.Announced(m.ModelId, m.Version);
        });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            var address = e.Member.Address.ToString();
            if (e.Member.Status == MemberStatus.Up && e.Member.HasRole(AntiNexRoles.Model)) _usable.Add(address);
            else Drop(address);
        });
        Receive<ClusterEvent.UnreachableMember>(m =>
        {
            // Its writers cannot answer now: predicts ask their replicas first until the labels' writers are reported again.
            if (_reports.TryGetValue(m.Member.Address.ToString(), out var report)) _table.WritersUnreachable(report.Writers);
            Drop(m.Member.Address.ToString());
        });
        Receive<ClusterEvent.ReachableMember>(m =>
        {
            if (m.Member.Status == MemberStatus.Up && m.Member.HasRole(AntiNexRoles.Model)) _usable.Add(m.Member.Address.ToString());
        });
        Receive<SubscribeAck>(_ => { });
    }

    public static Props Props(CopyTable table) => Akka.Actor.Props.Create(() => new CopyWatcher(table));

    protected override void PreStart()
    {
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        mediator.Tell(new Subscribe(ReplicaTopics.Copies, Self));
        mediator.Tell(new Subscribe(ReplicaTopics.Versions, Self));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Drop(string address)
    {
        _usable.Remove(address);
        if (_reports.Remove(address)) Rebuild();
    }

    private void Rebuild() => _table.Rebuild(_reports.Values);
}
