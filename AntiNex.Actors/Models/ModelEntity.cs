// One sharded, persistent actor per model label. It owns the label's loaded network, trains it off the actor thread,
// stores each new version as an event (version + metrics) followed by a snapshot (artifact + metadata), and serves
// predictions from the current version until the next one is stored (then switches in one step, on this thread).
using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Observability;
using AntiNex.Persistence.Signing;
using AntiNex.Requests;

namespace AntiNex.Models;

public sealed class ModelEntity : ReceivePersistentActor
{
    private readonly string _id;
    private readonly ModelRuntime _rt;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Serving state: the artifact bytes come from the snapshot; the network is loaded from them on first use.
    private long _version;
    private long _highestVersion;
    private ModelSummary? _summary;
    private ModelMetrics? _metrics;
    private DateTimeOffset? _trainedUtc;
    private byte[]? _artifact;
    private TrainedModel? _model;
    private long _served;
    // Set when recovery found versions but every stored snapshot was refused (failed its signature): never serve, say why.
    private string? _integrityError;
    // Sequence number of the snapshot serving now: the one before it is kept as the fallback if this one is altered.
    private long _snapshotSeqNr;

    private TrainingRun? _run;
    private PendingSwap? _swap;
    private ForgetRun? _forget;
    private readonly List<(PredictRawRows Message, IActorRef ReplyTo)> _rowBatch = [];
    private bool _drainScheduled;

    public static Akka.Actor.Props Props(string modelId, ModelRuntime runtime)
        => Akka.Actor.Props.Create(() => new ModelEntity(modelId, runtime));

    public ModelEntity(string modelId, ModelRuntime runtime)
    {
        _id = modelId;
        _rt = runtime;
        PersistenceId = ModelIds.PersistenceId(modelId);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is not ModelSnapshot s) return;
            _version = _highestVersion = s.Version;
            _summary = s.Summary;
            _metrics = s.Metrics;
            _trainedUtc = s.TrainedUtc;
            _artifact = s.Artifact;
            _snapshotSeqNr = offer.Metadata.SequenceNr;
        });
        Recover<ModelTrained>(e =>
        {
            _highestVersion = Math.Max(_highestVersion, e.Version);
            // An event newer than the snapshot means that version's snapshot never got stored: the previous version
            // (the snapshot) stays the served one; version numbers keep increasing past the orphan.
            if (e.Version > _version)
                _log.Warning("model {0}: version {1} has no stored snapshot; serving version {2}", _id, e.Version, _version);
        });
        Recover<RecoveryCompleted>(_ =>
        {
            if (_artifact is not null) TouchLoaded();
            CheckRefusedSnapshot();
            _log.Debug("model {0} recovered at version {1}", _id, _version);
        });

        Command<TrainModel>(OnTrain);
        Command<PredictModel>(OnPredict);
        Command<PredictRawRows>(OnPredictRows);
        Command<DrainBatch>(_ => DrainRowBatch());
        Command<DescribeModel>(_ => Sender.Tell(Describe()));
        Command<ForgetModel>(_ => OnForget());
        Command<TrainingRunning>(m => { if (_run?.RunId == m.RunId) _run.State = "training"; });
        Command<TrainingFinished>(OnTrainingFinished);
        Command<TrainingCrashed>(OnTrainingCrashed);
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<SaveSnapshotFailure>(OnSnapshotFailed);
        Command<DeleteMessagesSuccess>(_ => ForgetStepDone());
        Command<DeleteMessagesFailure>(f => ForgetFailed("events", f.Cause));
        Command<DeleteSnapshotsSuccess>(s => { if (s.Criteria.MaxSequenceNr == long.MaxValue) ForgetStepDone(); });
        Command<DeleteSnapshotsFailure>(f =>
        {
            if (f.Criteria.MaxSequenceNr == long.MaxValue) ForgetFailed("snapshots", f.Cause);
            else _log.Warning("model {0}: could not delete old snapshots: {1}", _id, f.Cause.Message);
        });
        Command<UnloadModel>(_ => { if (PassivateIfIdle("evicted: node holds more than max-loaded-models")) _evicted = true; });
        Command<ReceiveTimeout>(_ => PassivateIfIdle("idle"));
        Command<StopEntity>(_ => OnStop());
    }

    public override string PersistenceId { get; }

    protected override void PreStart()
    {
        base.PreStart();
        Context.SetReceiveTimeout(_rt.PassivateAfter);
    }

    private bool _evicted;

    protected override void PostStop()
    {
        _run?.Cancel();
        if (_model is not null) AntiNexMetrics.ModelUnloaded(_evicted);
        _model?.Dispose();
        _model = null;
        _rt.Loaded.Release(_id, Self);
        base.PostStop();
    }

    private bool HasModel => _model is not null || _artifact is not null;

    // ---- train ----------------------------------------------------------------------------------------------------

    private void OnTrain(TrainModel m)
    {
        if (RefuseWhileForgetting(m.RequestId)) return;
        if (!TryParse(m.RequestJson, m.RequestId, out var request, out var warnings)) return;
        if (_run is not null || _swap is not null)
        {
            Sender.Tell(ModelFailed.Of(_id, "busy",
                $"label '{_id}' is already training ({_run?.State ?? "storing"}); retry when it finishes", m.RequestId));
            return;
        }
        StartTraining(request, warnings, Sender, m.ProgressTo, m.RequestId, forPredict: false);
    }

    private void StartTraining(AntiNexRequest request, IReadOnlyList<string> warnings, IActorRef replyTo,
        IActorRef? progressTo, string? requestId, bool forPredict)
    {
        // Paths are checked before queueing: a dataset outside the data roots is refused at once, naming the field.
        var pathIssues = request.CheckPaths(_rt.DataRoots, requireFiles: true);
        if (pathIssues.Count > 0)
        {
            replyTo.Tell(new ModelFailed(_id, "bad-request", string.Join("; ", pathIssues), pathIssues, requestId));
            return;
        }
        var run = new TrainingRun(Guid.NewGuid(), request, warnings, replyTo, progressTo, requestId, forPredict);
        _run = run;
        var self = Self;
        var id = _id;
        var node = _rt.NodeName;
        var rt = _rt;
        var progress = new ProgressRelay(progressTo, id, requestId, rt.ProgressInterval);
        _log.Info("model {0}: training requested (request {1})", id, requestId ?? "-");
        rt.Scheduler.Run(ct =>
            {
                var outcome = TrainingEngine.Train(request, rt.DataRoots, rt.EngineOptions, progress, ct);
                var model = TrainedModel.Load(outcome.Artifact, rt.EngineOptions);
                if (ct.IsCancellationRequested)
                {
                    model.Dispose();
                    ct.ThrowIfCancellationRequested();
                }
                return new TrainingFinished(run.RunId, outcome, model);
            },
            queued: position =>
            {
                run.State = position == 0 ? "starting" : "queued";
                progressTo?.Tell(new TrainingQueued(id, position, requestId));
            },
            started: () =>
            {
                progressTo?.Tell(new TrainingStarted(id, node, requestId));
                self.Tell(new TrainingRunning(run.RunId));
            },
            run.Token)
            .PipeTo(self, success: r => r, failure: ex => new TrainingCrashed(run.RunId, ex));
    }

    private void OnTrainingFinished(TrainingFinished done)
    {
        if (_run is null || _run.RunId != done.RunId)
        {
            done.Model.Dispose(); // cancelled or forgotten meanwhile
            return;
        }
        var run = _run;
        var version = Math.Max(_version, _highestVersion) + 1;
        var trained = new ModelTrained(version, DateTimeOffset.UtcNow, done.Model.Summary, ModelMetrics.From(done.Outcome.Report));
        Persist(trained, e =>
        {
            _highestVersion = e.Version;
            _swap = new PendingSwap(run, e, done.Outcome, done.Model);
            // The new version serves only once its artifact is durable (SaveSnapshotSuccess): never a model that a
            // crash could lose.
            SaveSnapshot(new ModelSnapshot(_id, e.Version, e.TrainedUtc, e.Summary, e.Metrics, done.Outcome.Artifact));
        });
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess saved)
    {
        if (_swap is not { } swap) return;
        _swap = null;
        _integrityError = null;
        _run = null;
        var old = _model;
        _model = swap.Model;
        _artifact = swap.Outcome.Artifact;
        _version = swap.Event.Version;
        _summary = swap.Event.Summary;
        _metrics = swap.Event.Metrics;
        _trainedUtc = swap.Event.TrainedUtc;
        if (old is null) AntiNexMetrics.ModelLoaded();
        old?.Dispose();
        AntiNexMetrics.SnapshotSaved(swap.Outcome.Artifact.Length);
        TouchLoaded();
        _ = AddToCatalog();
        // Keep the latest snapshot and the one before it (served instead if the latest is ever refused as altered).
        var previous = _snapshotSeqNr;
        _snapshotSeqNr = saved.Metadata.SequenceNr;
        if (previous > 1) DeleteSnapshots(new SnapshotSelectionCriteria(previous - 1));
        _log.Info("model {0}: version {1} trained and stored", _id, _version);
        Context.System.EventStream.Publish(new ModelVersionChanged(_id, _version, false));

        var run = swap.Run;
        if (run.ForPredict)
        {
            var predictions = swap.Outcome.Predictions;
            if (predictions is null) ServePredict(run.Request, run.ReplyTo, run.RequestId, trainedFirst: true);
            else ReplyPredicted(predictions, run.ReplyTo, run.RequestId, trainedFirst: true);
        }
        else
        {
            run.ReplyTo.Tell(new ModelTrainedReply(_id, _version, swap.Outcome.Report, Truncate(swap.Outcome.Predictions).Result,
                _rt.NodeName, run.Warnings, run.RequestId));
        }
        foreach (var waiting in run.WaitingPredicts) ServePredict(waiting.Request, waiting.ReplyTo, waiting.RequestId, false);
        Stash.UnstashAll();
    }

    private void OnSnapshotFailed(SaveSnapshotFailure failure)
    {
        if (_swap is not { } swap) return;
        _swap = null;
        _run = null;
        swap.Model.Dispose();
        _log.Error(failure.Cause, "model {0}: snapshot of version {1} failed", _id, swap.Event.Version);
        FailRun(swap.Run, ModelFailed.Of(_id, "persistence",
            $"version {swap.Event.Version} trained but its snapshot could not be stored ({failure.Cause.Message}); " +
            (HasModel ? $"still serving version {_version}" : "no model is served"), swap.Run.RequestId));
        Stash.UnstashAll();
    }

    private void OnTrainingCrashed(TrainingCrashed crashed)
    {
        if (_run is null || _run.RunId != crashed.RunId) return;
        var run = _run;
        _run = null;
        var error = crashed.Error is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerExceptions[0] : crashed.Error;
        var keep = HasModel ? $"; still serving version {_version}" : "";
        var failed = error switch
        {
            RequestException re => new ModelFailed(_id, "bad-request", re.Message, re.Issues, run.RequestId),
            OperationCanceledException => ModelFailed.Of(_id, "cancelled", $"training of '{_id}' was cancelled{keep}", run.RequestId),
            ArtifactException ae => ModelFailed.Of(_id, "artifact", $"trained artifact could not be loaded: {ae.Message}{keep}", run.RequestId),
            _ => ModelFailed.Of(_id, "training-failed", $"training failed: {error.GetType().Name}: {error.Message}{keep}", run.RequestId),
        };
        if (failed.Code is "training-failed" or "artifact") _log.Error(error, "model {0}: training failed", _id);
        FailRun(run, failed);
    }

    /// <summary>Reply to a failed run; predicts that waited for it are served by the previous version if any.</summary>
    private void FailRun(TrainingRun run, ModelFailed failed)
    {
        run.ReplyTo.Tell(failed);
        foreach (var waiting in run.WaitingPredicts)
        {
            if (HasModel) ServePredict(waiting.Request, waiting.ReplyTo, waiting.RequestId, false);
            else waiting.ReplyTo.Tell(failed with { RequestId = waiting.RequestId });
        }
    }

    // ---- predict --------------------------------------------------------------------------------------------------

    private void OnPredict(PredictModel m)
    {
        if (RefuseWhileForgetting(m.RequestId) || RefuseUnverified(m.RequestId)) return;
        if (!TryParse(m.RequestJson, m.RequestId, out var request, out var warnings)) return;
        if (HasModel)
        {
            ServePredict(request, Sender, m.RequestId, trainedFirst: false);
            return;
        }
        if (_run is not null)
        {
            _run.WaitingPredicts.Add((request, Sender, m.RequestId)); // first training in flight: answer after it
            return;
        }
        if (string.IsNullOrWhiteSpace(request.Dataset))
        {
            Sender.Tell(new ModelFailed(_id, "not-trained",
                $"label '{_id}' has no trained model and the request carries no dataset to train one from",
                [new RequestIssue("dataset", "required to predict on a label that was never trained (send a train request first)")],
                m.RequestId));
            return;
        }
        StartTraining(request, warnings, Sender, m.ProgressTo, m.RequestId, forPredict: true);
    }

    private void ServePredict(AntiNexRequest request, IActorRef replyTo, string? requestId, bool trainedFirst)
    {
        if (!EnsureLoaded(replyTo, requestId)) return;
        try
        {
            var started = Stopwatch.GetTimestamp();
            var result = _model!.Predict(request, _rt.DataRoots);
            AntiNexMetrics.RecordPredict(_id, Stopwatch.GetElapsedTime(started).TotalMilliseconds, result.Rows);
            _served += result.Rows;
            ReplyPredicted(result, replyTo, requestId, trainedFirst);
        }
        catch (RequestException re)
        {
            AntiNexMetrics.RecordPredictError(_id, "bad-request");
            replyTo.Tell(new ModelFailed(_id, "bad-request", re.Message, re.Issues, requestId));
        }
        catch (Exception ex)
        {
            AntiNexMetrics.RecordPredictError(_id, "internal");
            _log.Error(ex, "model {0}: predict failed", _id);
            replyTo.Tell(ModelFailed.Of(_id, "internal", $"predict failed: {ex.GetType().Name}: {ex.Message}", requestId));
        }
    }

    private void ReplyPredicted(PredictionResult result, IActorRef replyTo, string? requestId, bool trainedFirst)
    {
        var (trimmed, omitted) = Truncate(result);
        replyTo.Tell(new Predicted(_id, _version, trimmed!, _rt.NodeName, trainedFirst, omitted, requestId));
    }

    private (PredictionResult? Result, int Omitted) Truncate(PredictionResult? result)
    {
        if (result is null || result.Samples.Count <= _rt.MaxSamplesPerReply) return (result, 0);
        return (result with { Samples = result.Samples.Take(_rt.MaxSamplesPerReply).ToList() },
            result.Samples.Count - _rt.MaxSamplesPerReply);
    }

    /// <summary>Raw rows are queued and drained by a message to self, so every predict already in the mailbox joins
    /// one PredictRaw call (a micro-batch without a timer: no added latency when the entity is idle).</summary>
    private void OnPredictRows(PredictRawRows m)
    {
        if (RefuseWhileForgetting(null) || RefuseUnverified(null)) return;
        if (!HasModel)
        {
            Sender.Tell(ModelFailed.Of(_id, "not-trained", $"label '{_id}' has no trained model: train it first"));
            return;
        }
        _rowBatch.Add((m, Sender));
        if (_drainScheduled) return;
        _drainScheduled = true;
        Self.Tell(DrainBatch.Instance);
    }

    private void DrainRowBatch()
    {
        _drainScheduled = false;
        if (_rowBatch.Count == 0) return;
        var batch = _rowBatch.ToArray();
        _rowBatch.Clear();
        if (!EnsureLoaded(null, null))
        {
            foreach (var (_, replyTo) in batch)
                replyTo.Tell(ModelFailed.Of(_id, "artifact", $"model '{_id}' could not be loaded from its snapshot"));
            return;
        }
        var features = _model!.Summary.InputFeatures;
        var valid = new List<(PredictRawRows Message, IActorRef ReplyTo)>(batch.Length);
        foreach (var item in batch)
        {
            var error = ValidateRows(item.Message.Rows, features);
            if (error is null) valid.Add(item);
            else item.ReplyTo.Tell(new ModelFailed(_id, "bad-request", error.ToString(), [error], null));
        }
        if (valid.Count == 0) return;
        var rows = new List<double[]>(valid.Sum(v => v.Message.Rows.Length));
        foreach (var v in valid) rows.AddRange(v.Message.Rows);
        float[] values;
        var began = Stopwatch.GetTimestamp();
        try
        {
            values = _model.PredictRaw(rows);
            AntiNexMetrics.RecordPredict(_id, Stopwatch.GetElapsedTime(began).TotalMilliseconds, rows.Count);
        }
        catch (Exception ex)
        {
            foreach (var v in valid)
                v.ReplyTo.Tell(ModelFailed.Of(_id, "internal", $"predict failed: {ex.GetType().Name}: {ex.Message}"));
            return;
        }
        _served += rows.Count;
        var offset = 0;
        foreach (var v in valid)
        {
            var count = v.Message.Rows.Length;
            v.ReplyTo.Tell(new RowsPredicted(_id, _version, values.AsSpan(offset, count).ToArray(), _rt.NodeName));
            offset += count;
        }
    }

    private static RequestIssue? ValidateRows(double[][] rows, IReadOnlyList<string> features)
    {
        if (rows.Length == 0) return new RequestIssue("rows", "no rows to predict");
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null || rows[i].Length != features.Count)
                return new RequestIssue($"rows[{i}]",
                    $"expected {features.Count} features ({string.Join(", ", features.Take(8))}{(features.Count > 8 ? ", ..." : "")}), got {rows[i]?.Length ?? 0}");
            for (var j = 0; j < rows[i].Length; j++)
                if (!double.IsFinite(rows[i][j]))
                    return new RequestIssue($"rows[{i}][{j}]", $"feature '{features[j]}' is not a finite number");
        }
        return null;
    }

    private bool EnsureLoaded(IActorRef? replyTo, string? requestId)
    {
        if (_model is not null)
        {
            TouchLoaded();
            return true;
        }
        if (_artifact is null)
        {
            replyTo?.Tell(ModelFailed.Of(_id, "not-trained", $"label '{_id}' has no trained model", requestId));
            return false;
        }
        try
        {
            var started = Stopwatch.GetTimestamp();
            _model = TrainedModel.Load(_artifact, _rt.EngineOptions);
            AntiNexMetrics.ModelLoaded();
            AntiNexMetrics.ModelRecovered(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _log.Info("model {0}: version {1} loaded in {2:F1} ms", _id, _version, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            TouchLoaded();
            return true;
        }
        catch (Exception ex)
        {
            _log.Error(ex, "model {0}: stored artifact of version {1} does not load", _id, _version);
            replyTo?.Tell(ModelFailed.Of(_id, "artifact", $"stored model of '{_id}' (version {_version}) does not load: {ex.Message}", requestId));
            return false;
        }
    }

    // ---- describe / forget / lifecycle --------------------------------------------------------------------------

    private ModelDescription Describe() => new(_summary?.Label ?? _id, HasModel, _version, _summary, _metrics, _trainedUtc,
        _rt.NodeName, _model is not null, _forget is not null ? "forgetting" : _swap is not null ? "storing" : _run?.State ?? "idle",
        _served);

    private void OnForget()
    {
        if (_swap is not null)
        {
            Stash.Stash(); // a new version is being stored: forget it once stored, not half-way
            return;
        }
        if (_forget is not null)
        {
            _forget.Waiting.Add(Sender);
            return;
        }
        var existed = HasModel || LastSequenceNr > 0;
        if (_run is not null)
        {
            var run = _run;
            _run = null;
            run.Cancel();
            FailRun(run, ModelFailed.Of(_id, "cancelled", $"training of '{_id}' was cancelled: the model is being forgotten", run.RequestId));
        }
        if (!existed)
        {
            Sender.Tell(new ModelForgotten(_id, false));
            _ = RemoveFromCatalog();
            Context.Parent.Tell(new Passivate(StopEntity.Instance));
            return;
        }
        _forget = new ForgetRun([Sender]);
        DeleteMessages(LastSequenceNr);
        DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue));
    }

    private void ForgetStepDone()
    {
        if (_forget is null || ++_forget.StepsDone < 2) return;
        var waiting = _forget.Waiting;
        _forget = null;
        _model?.Dispose();
        _model = null;
        _artifact = null;
        _summary = null;
        _metrics = null;
        _trainedUtc = null;
        _version = _highestVersion = 0;
        _rt.Loaded.Release(_id, Self);
        _ = RemoveFromCatalog();
        _log.Info("model {0}: forgotten (events and snapshots deleted)", _id);
        Context.System.EventStream.Publish(new ModelVersionChanged(_id, 0, true));
        foreach (var w in waiting) w.Tell(new ModelForgotten(_id, true));
        Stash.UnstashAll();
        Context.Parent.Tell(new Passivate(StopEntity.Instance));
    }

    private void ForgetFailed(string what, Exception cause)
    {
        if (_forget is null) return;
        var waiting = _forget.Waiting;
        _forget = null;
        foreach (var w in waiting)
            w.Tell(ModelFailed.Of(_id, "persistence", $"forget '{_id}': deleting its {what} failed: {cause.Message}"));
        Stash.UnstashAll();
    }

    /// <summary>Versions exist but no stored snapshot verified: refuse to serve (a retrain stores a new, signed one).</summary>
    private bool RefuseUnverified(string? requestId)
    {
        if (_integrityError is null || HasModel) return false;
        Sender.Tell(ModelFailed.Of(_id, "integrity", _integrityError, requestId));
        return true;
    }

    private void CheckRefusedSnapshot()
    {
        if (_highestVersion <= _version || SnapshotRefusals.Get(Context.System).Find(PersistenceId) is not { } refused) return;
        if (HasModel)
        {
            _log.Error("model {0}: the snapshot of version {1} was refused ({2}); serving the previous good version {3}",
                _id, _highestVersion, refused.Reason, _version);
            return;
        }
        _integrityError = $"model '{_id}' is unavailable: its stored snapshot (version {_highestVersion}) was refused because " +
                          $"{refused.Reason}, and no earlier good version is stored; train it again to store a new version";
        _log.Error("model {0}: {1}", _id, _integrityError);
    }

    private bool RefuseWhileForgetting(string? requestId)
    {
        if (_forget is null) return false;
        Sender.Tell(ModelFailed.Of(_id, "busy", $"label '{_id}' is being forgotten; retry", requestId));
        return true;
    }

    private bool PassivateIfIdle(string reason)
    {
        if (_run is not null || _swap is not null || _forget is not null || _rowBatch.Count > 0) return false;
        _log.Debug("model {0}: passivating ({1})", _id, reason);
        Context.Parent.Tell(new Passivate(StopEntity.Instance));
        return true;
    }

    private void OnStop()
    {
        // A snapshot being written or a forget in progress finishes first (the shard waits up to its hand-off timeout).
        if (_swap is not null || _forget is not null)
        {
            Stash.Stash();
            return;
        }
        if (_run is { } run)
        {
            _run = null;
            run.Cancel();
            FailRun(run, ModelFailed.Of(_id, "cancelled",
                $"training of '{_id}' was cancelled: the model is moving to another node (rebalance or shutdown); retry", run.RequestId));
        }
        Context.Stop(Self);
    }

    private void TouchLoaded()
    {
        foreach (var victim in _rt.Loaded.Touch(_id, Self)) victim.Tell(UnloadModel.Instance);
    }

    private async Task AddToCatalog()
    {
        try { await _rt.Catalog.AddAsync(_id); }
        catch (Exception ex) { _log.Warning("model {0}: catalog update failed: {1}", _id, ex.Message); }
    }

    private async Task RemoveFromCatalog()
    {
        try { await _rt.Catalog.RemoveAsync(_id); }
        catch (Exception ex) { _log.Warning("model {0}: catalog update failed: {1}", _id, ex.Message); }
    }

    private bool TryParse(string json, string? requestId, out AntiNexRequest request, out IReadOnlyList<string> warnings)
    {
        try
        {
            request = AntiNexRequest.Parse(json, out warnings);
            return true;
        }
        catch (RequestException re)
        {
            Sender.Tell(new ModelFailed(_id, "bad-request", re.Message, re.Issues, requestId));
        }
        catch (JsonException je)
        {
            Sender.Tell(new ModelFailed(_id, "bad-request", $"request is not valid JSON: {je.Message}",
                [new RequestIssue(je.Path ?? "$", je.Message)], requestId));
        }
        request = null!;
        warnings = [];
        return false;
    }

    // ---- local-only messages and state holders ---------------------------------------------------------------------

    private sealed record DrainBatch { public static readonly DrainBatch Instance = new(); }
    private sealed record TrainingRunning(Guid RunId);
    private sealed record TrainingFinished(Guid RunId, TrainingOutcome Outcome, TrainedModel Model);
    private sealed record TrainingCrashed(Guid RunId, Exception Error);
    private sealed record PendingSwap(TrainingRun Run, ModelTrained Event, TrainingOutcome Outcome, TrainedModel Model);

    private sealed class ForgetRun(List<IActorRef> waiting)
    {
        public List<IActorRef> Waiting { get; } = waiting;
        public int StepsDone { get; set; }
    }

    private sealed class TrainingRun(Guid runId, AntiNexRequest request, IReadOnlyList<string> warnings, IActorRef replyTo,
        IActorRef? progressTo, string? requestId, bool forPredict)
    {
        private readonly CancellationTokenSource _cts = new();
        public Guid RunId { get; } = runId;
        public AntiNexRequest Request { get; } = request;
        public IReadOnlyList<string> Warnings { get; } = warnings;
        public IActorRef ReplyTo { get; } = replyTo;
        public IActorRef? ProgressTo { get; } = progressTo;
        public string? RequestId { get; } = requestId;
        public bool ForPredict { get; } = forPredict;
        public string State { get; set; } = "queued";
        public List<(AntiNexRequest Request, IActorRef ReplyTo, string? RequestId)> WaitingPredicts { get; } = [];
        public CancellationToken Token => _cts.Token;
        public void Cancel() { try { _cts.Cancel(); } catch (ObjectDisposedException) { } }
    }

    /// <summary>Forwards engine progress to the requester, at most one epoch tick per interval (phase changes and the
    /// last epoch always pass) so a fast training does not flood the remote link.</summary>
    private sealed class ProgressRelay(IActorRef? to, string label, string? requestId, TimeSpan interval) : IProgress<TrainingProgress>
    {
        private readonly object _gate = new();
        private long _last;
        private string? _lastPhase;

        public void Report(TrainingProgress value)
        {
            if (to is null) return;
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                var force = value.Phase != _lastPhase || value.Epoch >= value.Epochs || value.Message is not null;
                if (!force && Stopwatch.GetElapsedTime(_last, now) < interval) return;
                _last = now;
                _lastPhase = value.Phase;
            }
            to.Tell(new TrainingProgressed(label, value, requestId));
        }
    }
}
