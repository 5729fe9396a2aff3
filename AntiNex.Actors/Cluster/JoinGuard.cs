// Joins this node to the cluster instead of Akka's automatic seed join, so that a node never forms a second cluster
// on the same data: it first reads the live-member record in Redis (ClusterLiveness) and, when other members are
// alive, joins them and never itself. Without live records it joins the configured seeds in their configured order
// (Akka's rule: only the first seed may join itself, and only after no other seed answered). While Up it keeps its
// own record fresh; it removes it when it leaves.
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;

namespace AntiNex.Cluster;

public sealed class JoinGuard : ReceiveActor, IWithTimers
{
    public const string Name = "join-guard";

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IClusterLiveness? _liveness;
    private readonly IReadOnlyList<Address> _seeds;
    private readonly JoinGuardTimings _timings;
    private bool _up;
    private int _attempt;

    public ITimerScheduler Timers { get; set; } = null!;

    public JoinGuard(IClusterLiveness? liveness, IReadOnlyList<Address> seeds, JoinGuardTimings timings)
    {
        _liveness = liveness;
        _seeds = seeds;
        _timings = timings;

        Receive<Decide>(_ => DecideAsync().PipeTo(Self, success: seeds => new JoinNow(seeds)));
        Receive<JoinNow>(m =>
        {
            if (_up) return;
            _log.Info("joining through [{0}]", string.Join(", ", m.Seeds));
            _cluster.JoinSeedNodes(m.Seeds);
            // Stale records (a cluster that died within the record's lifetime) must not block forever: decide again.
            Timers.StartSingleTimer("decide", Decide.Instance, _timings.Recheck);
        });
        Receive<ClusterEvent.MemberUp>(m =>
        {
            if (!m.Member.Address.Equals(_cluster.SelfAddress)) return;
            _up = true;
            Timers.Cancel("decide");
            Refresh();
            Timers.StartPeriodicTimer("refresh", RefreshTick.Instance, _timings.RefreshEvery);
        });
        Receive<RefreshTick>(_ => Refresh());
        Receive<Refreshed>(_ => { });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Status.Failure>(f =>
        {
            _log.Warning("live-member record: {0}", f.Cause.Message);
            // A decision that failed (not a refresh) is taken again: nothing else would ever join this member.
            if (!_up && !Timers.IsTimerActive("decide")) Timers.StartSingleTimer("decide", Decide.Instance, _timings.Recheck);
        });
    }

    public static Props Props(IClusterLiveness? liveness, IReadOnlyList<Address> seeds, JoinGuardTimings timings)
        => Akka.Actor.Props.Create(() => new JoinGuard(liveness, seeds, timings));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp));
        var self = Self;
        var cluster = _cluster;
        var liveness = _liveness;
        // Leaving (SIGTERM, downed): drop the record first, so a restart right after does not wait for it to expire.
        if (liveness is not null)
            CoordinatedShutdown.Get(Context.System).AddTask(CoordinatedShutdown.PhaseClusterLeave, "drop-live-record", async () =>
            {
                try { await liveness.RemoveAsync(cluster.SelfAddress.ToString()).WaitAsync(TimeSpan.FromSeconds(2)); }
                catch (Exception) { /* the record expires by itself */ }
                return Akka.Done.Instance;
            });
        self.Tell(Decide.Instance);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private async Task<IReadOnlyList<Address>> DecideAsync()
    {
        _attempt++;
        IReadOnlyList<string> alive = [];
        if (_liveness is not null)
        {
            try { alive = await _liveness.AliveAsync().WaitAsync(_timings.ReadTimeout); }
            catch (Exception ex) { _log.Warning("live-member record unreadable ({0}); joining the configured seeds", ex.Message); }
        }
        // Seeds may be written akka.tcp:// while this member speaks TLS (akka.ssl.tcp://): compare and join in its own scheme.
        var self = _cluster.SelfAddress;
        Address Own(Address a) => new(self.Protocol, a.System, a.Host, a.Port);
        var live = new List<Address>();
        foreach (var record in alive)
            if (Address.TryParse(record, out var address)) live.Add(Own(address));
            else _log.Warning("live-member record '{0}' is not a member address; ignored", record);
        var chosen = SeedsFor(self, _seeds.Select(Own).ToList(), live);
        if (alive.Count > 0 && !chosen.Contains(_cluster.SelfAddress))
            _log.Info("a cluster is alive on this data ({0} live members): joining it, never forming a new one", alive.Count);
        return chosen;
    }

    private void Refresh()
    {
        if (_liveness is null || !_up) return;
        var status = _cluster.SelfMember.Status;
        if (status is not (MemberStatus.Up or MemberStatus.WeaklyUp)) return;
        _liveness.RefreshAsync(_cluster.SelfAddress.ToString(), _timings.RecordLifetime).PipeTo(Self, success: () => Refreshed.Instance);
    }

    /// <summary>Seeds to join. Other live members: them first, then the configured seeds, never this node itself.
    /// None alive: the configured seeds as given (or this node alone when none are configured).</summary>
    public static IReadOnlyList<Address> SeedsFor(Address self, IReadOnlyList<Address> configured, IReadOnlyList<Address> alive)
    {
        var others = alive.Where(a => !a.Equals(self)).ToList();
        if (others.Count > 0) return others.Concat(configured.Where(a => !a.Equals(self))).Distinct().ToList();
        return configured.Count > 0 ? configured : [self];
    }

    private sealed record Decide { public static readonly Decide Instance = new(); }
    private sealed record JoinNow(IReadOnlyList<Address> Seeds);
    private sealed record RefreshTick { public static readonly RefreshTick Instance = new(); }
    private sealed record Refreshed { public static readonly Refreshed Instance = new(); }
}

/// <summary>Record lifetime (an Up member refreshes it every <see cref="RefreshEvery"/>); a join not Up after
/// <see cref="Recheck"/> reads the record again (records of a cluster that died expire meanwhile).</summary>
public sealed record JoinGuardTimings(TimeSpan RecordLifetime, TimeSpan RefreshEvery, TimeSpan Recheck, TimeSpan ReadTimeout)
{
    public static readonly JoinGuardTimings Default = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15),
        TimeSpan.FromSeconds(5));
}

public static class JoinGuardHosting
{
    /// <summary>Starts the <see cref="JoinGuard"/>; use with <c>AntiNexClusterOptions.GuardedJoin</c> (no configured seed nodes).</summary>
    public static AkkaConfigurationBuilder WithJoinGuard(this AkkaConfigurationBuilder builder,
        Func<ActorSystem, IClusterLiveness>? liveness, IReadOnlyList<string> seeds, JoinGuardTimings? timings = null)
        => builder.WithActors((system, _) =>
            system.ActorOf(JoinGuard.Props(liveness?.Invoke(system), seeds.Select(Address.Parse).ToList(), timings ?? JoinGuardTimings.Default),
                JoinGuard.Name));
}
