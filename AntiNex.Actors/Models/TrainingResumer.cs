// Sharding starts an entity only when a message reaches it: a label whose holder died mid-training would wait for its
// next request before its accepted training runs again. This actor (one per model node) wakes those labels: when a
// member is removed (its shards have moved), when this node starts, and when a local entity hands off mid-training; and every 30 s, so
// that a wake that failed (its store down, the label's recovery refused) is tried again.
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace AntiNex.Models;

public sealed class TrainingResumer : ReceiveActor, IWithTimers
{
    public const string Name = "training-resumer";
    /// <summary>After a start or a removal: the shards of the gone node are re-allocated on their next message.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);
    /// <summary>How often the labels with an unfinished training are woken anyway (waking a training label costs nothing).</summary>
    public static readonly TimeSpan DefaultSweep = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _sweep;

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public TrainingResumer(IActorRef region, ILabelSet inFlight, TimeSpan sweep)
    {
        _sweep = sweep;
        Receive<ClusterEvent.MemberRemoved>(_ => Timers.StartSingleTimer("wake", Wake.Instance, Settle));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => Timers.StartSingleTimer("wake", Wake.Instance, TimeSpan.FromSeconds(5)));
        // From a local entity that stopped mid-training (hand-off): its shard's next home runs the training again.
        Receive<ResumeTraining>(m => Timers.StartSingleTimer(("resume", m.ModelId), new Later(m), Settle));
        Receive<Later>(m => region.Tell(m.Message));
        Receive<Wake>(w => inFlight.AllAsync().PipeTo(Self, success: ids => new InFlight(ids, w.Quiet), failure: ex => new Status.Failure(ex)));
        Receive<InFlight>(m =>
        {
            if (m.Ids.Count > 0 && !m.Quiet)
                _log.Info("waking {0} label(s) with an unfinished training: {1}", m.Ids.Count, string.Join(", ", m.Ids.Take(10)));
            foreach (var id in m.Ids) region.Tell(new ResumeTraining(id));
        });
        Receive<Status.Failure>(f => _log.Warning("could not read the labels with an unfinished training: {0}", f.Cause.Message));
    }

    public static Props Props(IActorRef region, ILabelSet inFlight, TimeSpan? sweep = null)
        => Akka.Actor.Props.Create(() => new TrainingResumer(region, inFlight, sweep ?? DefaultSweep));

    protected override void PreStart()
    {
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent));
        Timers.StartPeriodicTimer("sweep", new Wake(Quiet: true), _sweep);
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private sealed record Wake(bool Quiet = false)
    {
        public static readonly Wake Instance = new();
    }

    private sealed record InFlight(IReadOnlyList<string> Ids, bool Quiet);

    private sealed record Later(ResumeTraining Message);
}
