// One per model node (/user/model-replicas). It tells the cluster which copies this node holds (writers found in the
// local shard region, replicas with their loaded version), forwards the local writers' version changes to every node,
// places this node's share of replicas (ReplicaPlacement) and hands predicts to them.
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using AntiNex.Models;

namespace AntiNex.Replicas;

public sealed class ReplicaKeeper : ReceiveActor, IWithTimers
{
    public const string Name = "model-replicas";
    /// <summary>ModelFailed code: this node holds no loaded copy of the label (the gateway tries another copy).</summary>
    public const string NoCopy = "no-copy";

    private readonly IActorRef _region;
    private readonly ModelRuntime _rt;
    private readonly int _replicas;
    private readonly TimeSpan _announceEvery;
    private readonly IActorRef _mediator;
    private readonly IActorRef _snapshots;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _self;

    private readonly HashSet<string> _members = [];                 // reachable Up model members (addresses)
    private readonly Dictionary<string, CopiesHeld> _views = [];     // latest report per member address
    private readonly Dictionary<string, long> _announced = [];       // newest version announced per label (0 = forgotten)
    private readonly Dictionary<string, IActorRef> _children = [];
    private long _childSeq;
    private readonly Dictionary<string, long> _loaded = [];
    private IReadOnlyList<string> _writers = [];
    private HashSet<string> _stored = [];                             // labels with a stored model (the catalog)
    private long _catalogGeneration = -1;                             // of the catalog read into _stored
    private readonly Dictionary<string, long> _cards = new(StringComparer.Ordinal); // card versions of held labels at that read
    private readonly CatalogAudit _audit = new();                     // catches up on version and forget notices missed
    private int _ticks;
    private int _catalogFailures; // catalog reads failed in a row
    private IActorRef _artifacts = ActorRefs.Nobody;
    private bool _waking;                                             // many labels are waking here: new copies wait
    private int _placeBudget = 1;                                     // new copies this node may still start until the next tick

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The cluster role of the nodes that hold models (and so copies).</summary>
    public const string ModelRole = "model";

    public static Props Props(IActorRef region, ModelRuntime runtime, int replicas, TimeSpan announceEvery)
        => Akka.Actor.Props.Create(() => new ReplicaKeeper(region, runtime, replicas, announceEvery));

    public ReplicaKeeper(IActorRef region, ModelRuntime runtime, int replicas, TimeSpan announceEvery)
    {
        _region = region;
        _rt = runtime;
        _replicas = replicas;
        _announceEvery = announceEvery;
        _mediator = DistributedPubSub.Get(Context.System).Mediator;
        _snapshots = Akka.Persistence.Persistence.Instance.Apply(Context.System).SnapshotStoreFor(null);
        _self = _cluster.SelfAddress.ToString();

        Receive<Tick>(_ =>
        {
            // The catalog lists the labels that have a stored model: only those get replicas.
            if (_ticks++ % 5 == 0)
            {
                ReadCatalog();
                foreach (var id in _tombstones.Keys.ToList()) Tombstoned(id); // drops the expired ones
            }
            _region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5))
            .PipeTo(Self, success: s => new LocalWriters(s.Shards.SelectMany(x => x.EntityIds).Order(StringComparer.Ordinal).ToList()),
                failure: _ => new LocalWriters(null));
        });
        Receive<CatalogRead>(OnCatalogRead);
        Receive<Status.Failure>(f =>
        {
            // A catalog read failed: the next one comes in 5 ticks. Said once, then every 60th time: a read that keeps
            // failing (a missing ACL command, a card that does not decode) leaves missed notices uncaught.
            if (_catalogFailures++ % 60 == 0)
                _log.Warning("replicas: the model catalog could not be read ({0} time(s) in a row): {1}", _catalogFailures,
                    f.Cause.GetBaseException().Message);
        });
        Receive<LocalWriters>(m =>
        {
            if (m.Ids is not null)
            {
                var known = _writers.ToHashSet(StringComparer.Ordinal);
                var woke = m.Ids.Count(id => !known.Contains(id));
                _writers = m.Ids;
                NoteWakes(woke);
                _placeBudget = Math.Max(1, (int)(NewCopiesPerSecond * _announceEvery.TotalSeconds));
            }
            Announce();
            Place();
        });
        Receive<CopiesHeld>(m =>
        {
            if (!_members.Contains(m.Address)) return;
            _views[m.Address] = m;
            foreach (var (id, v) in m.Replicas) Raise(id, v);
            Place();
        });
        Receive<ModelVersionChanged>(m =>
            _mediator.Tell(new Publish(ReplicaTopics.Versions, new CopyVersionChanged(m.ModelId, m.Version, m.Forgotten, _rt.NodeName))));
        Receive<CopyVersionChanged>(OnVersionChanged);
        Receive<ReplicaSwitched>(m =>
        {
            // From the current child only: one being stopped (forgotten, moved off) may still report its load.
            if (!_children.TryGetValue(m.ModelId, out var child) || !child.Equals(Sender)) return;
            _loaded[m.ModelId] = m.Version;
            // Gateways learn within a moment that this copy serves the new version. Switches that come together (many
            // labels waking after a restart) share one report: a report lists every copy, so one per switch would
            // cost every node and gateway a full rebuild per label.
            if (!Timers.IsTimerActive("announce-soon")) Timers.StartSingleTimer("announce-soon", AnnounceSoon.Instance, AnnounceDelay);
        });
        Receive<ReplicaUnloading>(m =>
        {
            if (!_children.TryGetValue(m.ModelId, out var child) || !child.Equals(Sender)) return;
            _loaded.Remove(m.ModelId);
            if (!Timers.IsTimerActive("announce-soon")) Timers.StartSingleTimer("announce-soon", AnnounceSoon.Instance, AnnounceDelay);
        });
        Receive<AnnounceSoon>(_ => Announce());
        Receive<Terminated>(t =>
        {
            var id = _children.FirstOrDefault(c => c.Value.Equals(t.ActorRef)).Key;
            if (id is null) return;
            _children.Remove(id);
            _loaded.Remove(id);
        });
        Receive<PredictRawRows>(m => ForwardToCopy(m, m.ModelId, null));
        Receive<PredictModel>(m => ForwardToCopy(m, m.ModelId, m.RequestId));
        Receive<FetchArtifact>(m => _artifacts.Forward(m)); // a gateway's own read copy (serve)
        Receive<ClusterEvent.IMemberEvent>(OnMember);
        Receive<ClusterEvent.UnreachableMember>(m => Drop(m.Member.Address.ToString()));
        Receive<ClusterEvent.ReachableMember>(m => { if (IsModelUp(m.Member)) _members.Add(m.Member.Address.ToString()); });
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PreStart()
    {
        _artifacts = Context.ActorOf(ArtifactServer.Props(_snapshots, _rt.NodeName), "artifacts");
        _mediator.Tell(new Subscribe(ReplicaTopics.Copies, Self));
        _mediator.Tell(new Subscribe(ReplicaTopics.Versions, Self));
        Context.System.EventStream.Subscribe(Self, typeof(ModelVersionChanged));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("tick", Tick.Instance, _announceEvery);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    private static bool IsModelUp(Member m) => m.Status == MemberStatus.Up && m.HasRole(ModelRole);

    private void OnMember(ClusterEvent.IMemberEvent e)
    {
        var address = e.Member.Address.ToString();
        if (IsModelUp(e.Member)) _members.Add(address);
        else Drop(address);
    }

    private void Drop(string address)
    {
        _members.Remove(address);
        _views.Remove(address);
    }

    /// <summary>Labels forgotten a moment ago, until when: another node's report sent before it heard of the forget, or a
    /// catalog read already in flight, would otherwise bring a copy back. Only a new version notice (a training after the
    /// forget) lifts it early.</summary>
    private readonly Dictionary<string, DateTime> _tombstones = new(StringComparer.Ordinal);
    private static readonly TimeSpan TombstoneFor = TimeSpan.FromSeconds(30);

    private bool Tombstoned(string id)
    {
        if (!_tombstones.TryGetValue(id, out var until)) return false;
        if (DateTime.UtcNow < until) return true;
        _tombstones.Remove(id);
        return false;
    }

    private void Raise(string id, long version)
    {
        if (Tombstoned(id)) return;
        if (version > _announced.GetValueOrDefault(id)) _announced[id] = version;
    }

    private void OnVersionChanged(CopyVersionChanged m)
    {
        if (m.Forgotten)
        {
            _tombstones[m.ModelId] = DateTime.UtcNow + TombstoneFor;
            _announced.Remove(m.ModelId);
            _stored.Remove(m.ModelId);
            if (_children.Remove(m.ModelId, out var child)) Context.Stop(child);
            _loaded.Remove(m.ModelId);
            return;
        }
        _tombstones.Remove(m.ModelId); // trained again since the forget
        Raise(m.ModelId, m.Version);
        _audit.Announced(m.ModelId);
        if (_children.TryGetValue(m.ModelId, out var replica)) replica.Tell(new WantVersion(m.Version));
    }

    /// <summary>The catalog's labels and the cards of the labels this node holds copies of, read only when the catalog's
    /// generation moved since the last read (one GET otherwise).</summary>
    private void ReadCatalog()
    {
        var held = _children.Keys.ToList();
        var seen = _catalogGeneration;
        var catalog = _rt.Catalog;
        async Task<CatalogRead> Read()
        {
            // The generation before the data: a change made while reading leaves a newer one, read again next time.
            var generation = await catalog.GenerationAsync().ConfigureAwait(false);
            if (generation == seen) return new CatalogRead(generation, null, held, []);
            var ids = await catalog.AllAsync().ConfigureAwait(false);
            var cards = held.Count == 0 ? [] : await catalog.CardsAsync(held).ConfigureAwait(false);
            return new CatalogRead(generation, ids, held, cards);
        }
        Read().PipeTo(Self);
    }

    private void OnCatalogRead(CatalogRead m)
    {
        if (_catalogFailures > 0) _log.Info("replicas: the model catalog is readable again");
        _catalogFailures = 0;
        if (m.Ids is not null && m.Generation < _catalogGeneration) return; // an older read that finished after a newer one
        if (m.Ids is not null)
        {
            _stored = m.Ids.ToHashSet(StringComparer.Ordinal);
            _catalogGeneration = m.Generation;
            _cards.Clear();
            for (var i = 0; i < m.Held.Count; i++)
                if (m.Cards[i] is { } card) _cards[m.Held[i]] = card.Version;
        }
        // Against the loaded version: another node's report may have raised the announced one without this copy hearing of it.
        var copies = _children.Keys.ToDictionary(id => id, id => _loaded.GetValueOrDefault(id), StringComparer.Ordinal);
        var verdict = _audit.Read(_stored, _cards, copies, _announced.Keys);
        foreach (var (id, version) in verdict.CatchUp)
        {
            // Logged only when no notice or report named that version yet: a copy that heard of it is already loading it.
            if (version > _announced.GetValueOrDefault(id))
                _log.Info("replica {0}: the catalog lists version {1}, whose notice this node missed; loading it", id, version);
            Raise(id, version);
            _children[id].Tell(new WantVersion(version)); // a copy loading it already takes no second load
        }
        foreach (var id in verdict.Gone)
        {
            _log.Info("replica {0}: not in the catalog on {1} reads in a row (its forget notice was missed); dropped", id,
                CatalogAudit.MissesToDrop);
            Context.Stop(_children[id]);
            _children.Remove(id);
            _loaded.Remove(id);
            _announced.Remove(id);
        }
        if (verdict.Gone.Count > 0) Announce();
    }

    private void ForwardToCopy(object message, string id, string? requestId)
    {
        if (_children.TryGetValue(id, out var replica) && _loaded.ContainsKey(id)) replica.Forward(message);
        else Sender.Tell(ModelFailed.Of(id, NoCopy, $"no loaded copy of '{id}' on {_rt.NodeName}", requestId));
    }

    private void Announce() => _mediator.Tell(new Publish(ReplicaTopics.Copies,
        new CopiesHeld(_self, _rt.NodeName, Self, _writers, new Dictionary<string, long>(_loaded))));

    /// <summary>Creates this node's chosen replicas; drops a replica no longer chosen once every chosen node serves the
    /// label at least at its version (the number of copies never dips during a move).</summary>
    private void Place()
    {
        if (_replicas <= 0) return;
        var labels = _views.Values.SelectMany(v => v.Writers.Concat(v.Replicas.Keys)).Concat(_writers)
            .Where(id => _stored.Contains(id) || _announced.ContainsKey(id)).Concat(_announced.Keys)
            .Where(id => !_audit.Forgotten(id) && !Tombstoned(id)).ToHashSet();
        var members = _members.Append(_self).Distinct().ToList();
        // Writer of each label, looked up once per label (thousands of labels: no list scans inside the loop).
        var writers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in _views.Values)
            foreach (var id in v.Writers) writers.TryAdd(id, v.Address);
        foreach (var id in _writers) writers[id] = _self;
        foreach (var id in labels)
        {
            var writer = writers.GetValueOrDefault(id);
            if (writer is null) continue; // writer moving or passivated: keep the copies as they are
            var chosen = ReplicaPlacement.Choose(id, members, writer, _replicas);
            var here = _children.ContainsKey(id);
            if (chosen.Contains(_self) && !here)
            {
                // Serving the labels that wake comes first; their copies follow when it calms, a budget per tick at a time
                // (a node that joins a cluster of 10,000 labels is chosen for thousands of copies at once).
                // A node holding as many models as --max-loaded-models allows places none: a copy would push out a model in use.
                if (_waking || _placeBudget <= 0 || _rt.Loaded.Full) continue;
                _placeBudget--;
                // A fresh name each time: the name of a copy being stopped stays taken until it has stopped.
                var child = Context.ActorOf(ModelReplica.Props(id, _rt, _snapshots, _announced.GetValueOrDefault(id)),
                    $"replica-{Uri.EscapeDataString(id)}-{++_childSeq}");
                Context.Watch(child);
                _children[id] = child;
                _log.Info("replica {0}: placed on this node (writer on {1})", id, writer);
            }
            else if (!chosen.Contains(_self) && here)
            {
                var mine = _loaded.GetValueOrDefault(id);
                var covered = chosen.All(c => _views.TryGetValue(c, out var v) && v.Replicas.TryGetValue(id, out var cv) && cv >= mine);
                if (!covered) continue;
                Context.Stop(_children[id]);
                _children.Remove(id);
                _loaded.Remove(id);
                _log.Info("replica {0}: moved off this node", id);
            }
        }
    }

    /// <summary>Many labels waking on this node (a restarted cluster being asked for them): new copies wait, so the CPU
    /// goes to the first predicts, whose callers wait, rather than to copies nobody waits for. Copies already placed
    /// keep following their writers' versions.</summary>
    private void NoteWakes(int woke)
    {
        // Calm only well below the storm rate: a rate hovering around the threshold does not flip it every tick.
        var perTick = WakeStormPerSecond * _announceEvery.TotalSeconds;
        var storm = _waking ? woke >= perTick / 4 : woke >= perTick;
        if (storm == _waking) return;
        _waking = storm;
        if (storm) _log.Info("replicas: {0} labels woke on this node within {1:F1} s; new copies wait until it calms", woke,
            _announceEvery.TotalSeconds);
        else _log.Info("replicas: label wake-ups calmed down; placing copies");
    }

    /// <summary>New copies one node starts loading per second at most: copies load in the background, beside serving.</summary>
    private const int NewCopiesPerSecond = 50;

    /// <summary>Labels waking per second on one node from which new copies wait (a trickle of wake-ups never holds them).</summary>
    private const int WakeStormPerSecond = 20;

    /// <summary>Longest wait between a replica switch and the report that tells the cluster.</summary>
    private static readonly TimeSpan AnnounceDelay = TimeSpan.FromMilliseconds(100);

    private sealed record Tick { public static readonly Tick Instance = new(); }
    private sealed record AnnounceSoon { public static readonly AnnounceSoon Instance = new(); }
    private sealed record LocalWriters(IReadOnlyList<string>? Ids);
    /// <summary>Ids null: the catalog is unchanged since the last read.</summary>
    private sealed record CatalogRead(long Generation, IReadOnlyList<string>? Ids, IReadOnlyList<string> Held, IReadOnlyList<ModelCard?> Cards);
}
