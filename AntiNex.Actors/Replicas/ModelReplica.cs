// A read-only copy of one label's current version on a node other than its writer's. It loads the label's latest
// snapshot through the persistence plugin's snapshot store (it never writes), switches to a newer version only once
// that version is loaded, and answers predicts exactly as the writer does (same model bytes, same code path).
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Observability;
using AntiNex.Requests;

namespace AntiNex.Replicas;

public sealed class ModelReplica : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RetryAtMost = TimeSpan.FromSeconds(10);
    /// <summary>A stored version this node cannot load (refused as altered, or from a newer build) is tried again this
    /// seldom: each try reads the whole snapshot from Redis. A new version notice tries at once.</summary>
    private static readonly TimeSpan RetryUnloadableAfter = TimeSpan.FromMinutes(5);
    private TimeSpan _retry = RetryAfter;
    private long _unloadable; // the newest version found unloadable: asked for it again, the replica waits its backoff

    private readonly string _id;
    private readonly ModelRuntime _rt;
    private readonly IActorRef _snapshots;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private TrainedModel? _model;
    private long _version;
    private long _wanted;
    private bool _loading;
    private bool _evicted;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string modelId, ModelRuntime runtime, IActorRef snapshotStore, long wanted)
        => Akka.Actor.Props.Create(() => new ModelReplica(modelId, runtime, snapshotStore, wanted));

    public ModelReplica(string modelId, ModelRuntime runtime, IActorRef snapshotStore, long wanted)
    {
        _id = modelId;
        _rt = runtime;
        _snapshots = snapshotStore;
        _wanted = wanted;

        Receive<WantVersion>(m =>
        {
            _wanted = Math.Max(_wanted, m.Version);
            if (m.Version <= _unloadable) return; // the keeper's catalog check repeats it every few seconds: the backoff stands
            _retry = RetryAfter;
            if (_wanted > _version) Load();
        });
        Receive<LoadTick>(_ => Load());
        Receive<Loaded>(OnLoaded);
        Receive<NothingNewer>(m =>
        {
            _loading = false;
            // The writer announced a version whose snapshot this read does not show yet, or Redis failed: try again.
            if (m.Error is not null) _log.Warning("replica {0}: snapshot {1}: {2}", _id, m.Unloadable ? "cannot be loaded" : "read failed", m.Error);
            if (m.Unloadable)
            {
                _retry = RetryUnloadableAfter;
                _unloadable = Math.Max(_unloadable, m.Version);
            }
            if (_wanted > _version || _model is null) Timers.StartSingleTimer("load", LoadTick.Instance, _retry);
            if (!m.Unloadable) _retry = TimeSpan.FromTicks(Math.Min(_retry.Ticks * 2, RetryAtMost.Ticks));
        });
        Receive<PredictRawRows>(OnPredictRows);
        Receive<PredictModel>(OnPredict);
        Receive<UnloadModel>(_ =>
        {
            // Over max-loaded-models: the keeper stops forwarding at once, and the predicts already queued here are answered
            // before the poison pill (Context.Stop would drop them). The keeper places it again once the node has room.
            _evicted = true;
            Context.Parent.Tell(new ReplicaUnloading(_id));
            Self.Tell(PoisonPill.Instance);
        });
    }

    protected override void PreStart() => Load();

    protected override void PostStop()
    {
        if (_model is not null) AntiNexMetrics.ModelUnloaded(_evicted);
        _model?.Dispose();
        _rt.Loaded.Release(LruKey, Self);
    }

    private string LruKey => "replica:" + _id;

    private void Load()
    {
        if (_loading) return;
        _loading = true;
        var have = _version;
        var options = _rt.EngineOptions;
        _snapshots.Ask<object>(new LoadSnapshot(ModelIds.PersistenceId(_id), SnapshotSelectionCriteria.Latest, long.MaxValue), LoadTimeout)
            .ContinueWith(t =>
            {
                if (t.IsFaulted || t.IsCanceled) return new NothingNewer(t.Exception?.GetBaseException().Message ?? "timed out");
                try
                {
                    return t.Result switch
                    {
                        LoadSnapshotResult { Snapshot.Snapshot: StoredModelSnapshot s } when s.Version > have
                            => new Loaded(s.Version, TrainedModel.Load(s.Artifact, options)),
                        LoadSnapshotFailed f => new NothingNewer(f.Cause.Message),
                        _ => (object)new NothingNewer(null),
                    };
                }
                catch (ArtifactException e)
                {
                    var version = t.Result is LoadSnapshotResult { Snapshot.Snapshot: StoredModelSnapshot s } ? s.Version : 0;
                    return new NothingNewer(e.Message, Unloadable: true, version);
                }
            }, TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(Self, failure: ex => new NothingNewer(ex.GetBaseException().Message));
    }

    private void OnLoaded(Loaded m)
    {
        _loading = false;
        if (m.Version <= _version)
        {
            m.Model.Dispose();
            return;
        }
        var old = _model;
        _model = m.Model;
        _version = m.Version;
        _retry = RetryAfter;
        if (old is null) AntiNexMetrics.ModelLoaded();
        old?.Dispose();
        _log.Info("replica {0}: serving version {1}", _id, _version);
        Context.Parent.Tell(new ReplicaSwitched(_id, _version));
        if (old is null) Touch(cold: true); // counted against the cap, but as the least recently used model
        if (_wanted > _version) Timers.StartSingleTimer("load", LoadTick.Instance, RetryAfter);
    }

    private bool Serving(string? requestId)
    {
        if (_model is not null) return true;
        Sender.Tell(ModelFailed.Of(_id, ReplicaKeeper.NoCopy, $"no loaded copy of '{_id}' on {_rt.NodeName}", requestId));
        return false;
    }

    private void OnPredictRows(PredictRawRows m)
    {
        if (!Serving(null)) return;
        var issue = RowBatcher.Validate(m, _model!.Summary.InputFeatures); // the writer's own checks: same answer on any copy
        if (issue is not null)
        {
            Sender.Tell(new ModelFailed(_id, "bad-request", issue.ToString(), [issue], null));
            return;
        }
        try
        {
            var values = _model.PredictRows(m.Values, 0, m.RowCount, m.Columns);
            Sender.Tell(new RowsPredicted(_id, _version, values, _rt.NodeName));
            Touch();
        }
        catch (Exception ex)
        {
            Sender.Tell(ModelFailed.Of(_id, "internal", $"predict failed: {ex.GetType().Name}: {ex.Message}"));
        }
    }

    private void OnPredict(PredictModel m)
    {
        if (!Serving(m.RequestId)) return;
        try
        {
            var request = AntiNexRequest.Parse(m.RequestJson, out _);
            var unseen = m.CountUnseen ? new List<UnseenCategory>() : null;
            var result = _model!.Predict(request, _rt.DataRoots, unseen);
            var omitted = Math.Max(0, result.Samples.Count - _rt.MaxSamplesPerReply);
            if (omitted > 0) result = result with { Samples = result.Samples.Take(_rt.MaxSamplesPerReply).ToList() };
            Sender.Tell(new Predicted(_id, _version, result, _rt.NodeName, false, omitted, m.RequestId, unseen));
            Touch();
        }
        catch (Exception e) when (ModelFailed.Unreadable(_id, e, m.RequestId) is { } refused)
        {
            Sender.Tell(refused);
        }
        catch (Exception ex)
        {
            Sender.Tell(ModelFailed.Of(_id, "internal", $"predict failed: {ex.GetType().Name}: {ex.Message}", m.RequestId));
        }
    }

    // Replicas count against max-loaded-models like writers do.
    private void Touch(bool cold = false)
    {
        foreach (var victim in _rt.Loaded.Touch(LruKey, Self, cold)) victim.Tell(UnloadModel.Instance);
    }

    private sealed record LoadTick { public static readonly LoadTick Instance = new(); }
    internal sealed record Loaded(long Version, TrainedModel Model) : IHandsOverTrainedModel;
    private sealed record NothingNewer(string? Error, bool Unloadable = false, long Version = 0);
}

/// <summary>Keeper -> replica: the writer serves this version now; load it.</summary>
internal sealed record WantVersion(long Version);

/// <summary>Replica -> keeper: this version is loaded and serving.</summary>
internal sealed record ReplicaSwitched(string ModelId, long Version);

/// <summary>Replica -> keeper: unloading for memory; forward it nothing more.</summary>
internal sealed record ReplicaUnloading(string ModelId);
