// One sharded, persistent actor per model label. It owns the label's loaded network, trains it off the actor thread,
// stores each new version as an event (version + metrics) followed by a snapshot (artifact + metadata), and serves
// predictions from the current version until the next one is stored (then switches in one step, on this thread).
//
// Phases (one behaviour each, switched with Become; what a phase cannot take yet is stashed and replayed on leaving):
//   idle        serves; a train starts a job                      -> training
//               (a train starts by writing its "accepted" event: a holder that dies mid-way leaves it to the next one)
//   training    serves the current version; more trains queue (each "accepted" first, so queued ones survive the holder too)
//                                                                 -> storing (trained) | next job or idle (failed)
//   storing     event persisted, snapshot being saved; forget and stop wait for it -> next job or idle
//   forgetting  events and snapshots being deleted; refuses work  -> idle (then passivates)
using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Observability;
using AntiNex.Persistence.Signing;
using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Models;

public sealed class ModelEntity : ReceivePersistentActor, IWithUnboundedStash, IWithTimers
{
    private readonly string _id;
    private readonly ModelRuntime _rt;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RowBatcher _rows;

    private ServingState _serving = ServingState.Empty;
    /// <summary>The network of the serving version, loaded from its artifact on first use (native memory: disposed).</summary>
    private TrainedModel? _model;
    private long _served;
    private bool _evicted;
    // Set when recovery found versions but every stored snapshot was refused (failed its signature): never serve, say why.
    private string? _integrityError;
    // Sequence number of the snapshot serving now: the one before it is kept as the fallback if this one is altered.
    private long _snapshotSeqNr;
    // The kept snapshot's sequence number while a trim deletes what is older (TrimBefore).
    private long _trimTo;
    // Sequence number of the latest forget's event: nothing stored after it means nothing to forget.
    private long _forgottenSeqNr;
    /// <summary>The forget under way, whose callers wait for it.</summary>
    private ForgetRun? _forgetting;
    private bool _catalogRetry; // a catalog write failed and is retried: no passivation until it is
    private int _catalogWrites; // catalog writes in flight: no passivation either (a failure would reach a stopped entity)
    private ModelCard? _recoveredCard; // the recovered snapshot's card, until recovery completes
    /// <summary>A forget's event is stored but deleting what came before it failed: a next forget deletes again.</summary>
    private bool _deletionPending;
    /// <summary>Recovery replayed something since the last forget's event (or the start): a forget's event replayed
    /// after it means that forget's deletion did not finish.</summary>
    private bool _replayedSinceForget;

    /// <summary>Trainings of this label waiting for the running one (first come, first served).</summary>
    private readonly List<TrainingJob> _queued = [];
    /// <summary>Jobs handed to the training slots whose result has not come back: cancelled if the entity stops.</summary>
    private readonly HashSet<TrainingJob> _launched = [];
    /// <summary>The version whose event is being written: persistence failure callbacks carry no context of their own.</summary>
    private PendingSwap? _persisting;
    /// <summary>The version whose snapshot is being saved (the storing phase): the entity may stop before it lands.</summary>
    private PendingSwap? _storing;
    /// <summary>Accepted (running and queued, in order) and finished train requests, from the journal: re-runs and
    /// de-duplication by request id.</summary>
    private readonly TrainingLedger _ledger = new();
    /// <summary>The job from its start to its reply (training or storing): a re-sent request with its id joins it.</summary>
    private TrainingJob? _current;
    /// <summary>The job whose "accepted" event is being written, and whether it queues (else it starts) once written.</summary>
    private TrainingJob? _accepting;
    private bool _acceptingQueued;
    /// <summary>Callers whose commands wait for the recovery: told at once if it fails.</summary>
    private readonly RecoveryWaiters _recoveryWaiters = new();
    /// <summary>Callers' commands received but not handled yet: handed back to the shard if an event write fails.</summary>
    private readonly WriteWaiters _writeWaiters = new();
    private bool _delivered;
    private Receive? _behaviour, _observed;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string modelId, ModelRuntime runtime) => Akka.Actor.Props.Create(() => new ModelEntity(modelId, runtime));

    public ModelEntity(string modelId, ModelRuntime runtime)
    {
        _id = modelId;
        _rt = runtime;
        _rows = new RowBatcher(modelId);
        PersistenceId = ModelIds.PersistenceId(modelId);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is not StoredModelSnapshot s) return;
            _replayedSinceForget = true;
            _serving = ServingState.From(s);
            _recoveredCard = ModelCard.Of(s);
            _snapshotSeqNr = offer.Metadata.SequenceNr;
            _ledger.Restore(s.RecentRequests, s.PendingRequests, s.EndedRequests);
        });
        // A trained event after the snapshot is an orphan (its snapshot never got stored): its request stays unfinished.
        Recover<StoredTrainingAccepted>(e =>
        {
            _replayedSinceForget = true;
            _ledger.Accepted(e);
        });
        Recover<StoredTrainingEnded>(e =>
        {
            _replayedSinceForget = true;
            _ledger.Ended(e);
        });
        // Whatever a failed deletion left before a forget's event is forgotten all the same; its versions are not reused,
        // and a next forget deletes it.
        Recover<StoredModelForgotten>(e =>
        {
            _serving = ServingState.Empty with { HighestVersion = Math.Max(_serving.NextVersion - 1, e.HighestVersion) };
            _recoveredCard = null;
            _ledger.Forgotten(e.RecentRequests, e.EndedRequests);
            _snapshotSeqNr = 0;
            _forgottenSeqNr = LastSequenceNr;
            _deletionPending = _replayedSinceForget;
            _replayedSinceForget = false;
        });
        Recover<StoredModelTrained>(e =>
        {
            _replayedSinceForget = true;
            // An event newer than the snapshot means that version's snapshot never got stored: the previous version
            // (the snapshot) stays the served one; version numbers keep increasing past the orphan.
            if (_serving.IsOrphan(e))
                _log.Warning("model {0}: version {1} has no stored snapshot; serving version {2}", _id, e.Version, _serving.Version);
            _serving = _serving.Apply(e);
        });
        Recover<RecoveryCompleted>(completed =>
        {
            _recoveryWaiters.Clear();
            if (_serving.HasModel) TouchLoaded();
            if (_serving.HasModel && _recoveredCard is { } card && card.Version == _serving.Version) _ = ListIfMissing(card);
            _recoveredCard = null;
            bool refused = CheckRefusedSnapshot();
            if (_ledger.HasPending)
            {
                var ids = string.Join(", ", _ledger.Pending.Select(p => p.RequestId));
                // A refused snapshot makes its version look unfinished (an orphan event): whether its requests finished is
                // unknown, and an altered store is the operator's call, so nothing is re-run automatically.
                if (refused)
                {
                    _log.Warning("model {0}: request(s) {1} are not run again: the newest stored snapshot was refused; train again", _id, ids);
                    _ledger.Clear();
                }
                else
                {
                    _log.Info("model {0}: training(s) of request(s) {1} were accepted but not finished by the label's previous holder", _id, ids);
                    Self.Tell(new ResumeTraining(_id));
                }
            }
            _log.Debug("model {0} recovered at version {1}", _id, _serving.Version);
        });
        Idle();
    }

    public override string PersistenceId { get; }

    protected override bool AroundReceive(Receive receive, object message)
    {
        if (IsRecovering)
        {
            _recoveryWaiters.Note(message, Sender);
            return base.AroundReceive(receive, message);
        }
        // Akka calls the behaviour only for a message it does not put aside during a write: one it put aside is noted
        // until it comes back and reaches the behaviour.
        var sender = Sender;
        _delivered = false;
        var handled = base.AroundReceive(Observed(receive), message);
        if (!_delivered) _writeWaiters.Held(message, sender);
        return handled;
    }

    /// <summary>The behaviour, wrapped to tell <see cref="AroundReceive"/> that it received the message; one wrapper per
    /// behaviour, not one per message.</summary>
    private Receive Observed(Receive behaviour)
    {
        if (ReferenceEquals(behaviour, _behaviour)) return _observed!;
        _behaviour = behaviour;
        return _observed = message =>
        {
            _delivered = true;
            _writeWaiters.Handled(message);
            return behaviour(message);
        };
    }

    /// <summary>Stashes the current command until the phase ends; it stays noted (a failed write hands it back).</summary>
    private void StashNoted(object message)
    {
        _writeWaiters.Held(message, Sender);
        Stash.Stash();
    }

    /// <summary>The store is down (or its circuit open): the entity stops after this, its callers hear why now.</summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        PassivateBeforeStop();
        _recoveryWaiters.FailAll(_id, reason, Self);
        base.OnRecoveryFailure(reason, message);
    }

    protected override void PreStart()
    {
        base.PreStart();
        Context.SetReceiveTimeout(_rt.PassivateAfter);
    }

    protected override void PostStop()
    {
        foreach (var job in _launched) job.Cancel();
        _storing?.Model.Dispose(); // stopped before its snapshot landed: never served
        if (_model is not null) AntiNexMetrics.ModelUnloaded(_evicted);
        _model?.Dispose();
        _model = null;
        _rt.Loaded.Release(_id, Self);
        base.PostStop();
    }

    // ---- phases -----------------------------------------------------------------------------------------------------

    private void Idle()
    {
        Command<TrainModel>(m =>
        {
            if (_ledger.HasPending) Resume(); // the previous holder's accepted trainings go first, in their order
            if (Accept(m) is not { } job) return;
            if (_current is null) Start(job);
            else Enqueue(job);
        });
        Command<PredictModel>(m =>
        {
            // A predict can be the first message of a label woken mid-training: the accepted training runs, and the
            // predict waits for it, as on the label's previous holder.
            if (_ledger.HasPending) Resume();
            OnPredict(m, _current);
        });
        Command<ResumeTraining>(_ => Resume());
        Command<CancelTraining>(m =>
        {
            if (_ledger.HasPending) Resume(); // so that the previous holder's accepted trainings are cancelled too
            OnCancel(m, _current, null);
        });
        Command<CancelOneTraining>(m =>
        {
            if (_ledger.HasPending) Resume();
            OnCancel(m, _current, null);
        });
        Command<ForgetModel>(m =>
        {
            if (_ledger.HasPending) Resume(); // the previous holder's accepted trainings: their callers hear of the forget
            if (_current is { } running) CancelAll(running, "the model is being forgotten");
            BeginForget(Sender, m.Origin);
        });
        Command<StopEntity>(_ =>
        {
            DrainBatch(); // rows queued for a drain that would reach a stopped entity: answered now
            Context.Stop(Self);
        });
        Command<UnloadModel>(_ => _evicted = PassivateIfIdle("evicted: node holds more than max-loaded-models"));
        Command<ReceiveTimeout>(_ => PassivateIfIdle("idle"));
        Serving(() => "idle");
        Common();
    }

    private void Training(TrainingJob job)
    {
        Command<TrainModel>(m =>
        {
            if (Accept(m) is { } queued) Enqueue(queued);
        });
        Command<PredictModel>(m => OnPredict(m, job));
        Command<TrainingRunning>(m => m.RunId == job.RunId, _ => job.State = "training");
        Command<TrainingFinished>(m => m.RunId == job.RunId, m => Store(job, m));
        Command<TrainingCrashed>(m => m.RunId == job.RunId, m => OnCrashed(job, m));
        Command<TrainingDeadline>(m => m.RunId == job.RunId, _ => CancelRunning(job, ModelFailed.DeadlinePassed));
        Command<Terminated>(t => t.ActorRef.Equals(job.ReplyTo), t =>
        {
            CancelQueued(q => q.ReplyTo.Equals(t.ActorRef), "its caller is gone");
            CancelRunning(job, "its caller is gone");
        });
        Command<CancelTraining>(m => OnCancel(m, job, null));
        Command<CancelOneTraining>(m => OnCancel(m, job, null));
        Command<ResumeTraining>(_ => Resume()); // accepted trainings not yet queued here (a predict woke the label) queue up
        Command<ForgetModel>(m =>
        {
            CancelAll(job, "the model is being forgotten");
            BeginForget(Sender, m.Origin);
        });
        Command<StopEntity>(_ =>
        {
            HandOff(job);
            DrainBatch();
            Context.Stop(Self);
        });
        Serving(() => job.State);
        Common();
    }

    private void Storing(PendingSwap swap)
    {
        Command<TrainModel>(m =>
        {
            if (Accept(m) is { } queued) Enqueue(queued);
        });
        Command<PredictModel>(m => OnPredict(m, swap.Job));
        Command<SaveSnapshotSuccess>(saved => OnStored(swap, saved));
        Command<SaveSnapshotFailure>(failure => OnStoreFailed(swap, failure));
        Command<CancelTraining>(m => OnCancel(m, null, swap));
        Command<CancelOneTraining>(m => OnCancel(m, null, swap));
        // A new version is being stored: forget it once stored (not half-way); a hand-off waits for it (the shard
        // waits up to its hand-off timeout).
        Command<ForgetModel>(StashNoted);
        Command<StopEntity>(StashNoted);
        Serving(() => "storing");
        Common();
    }

    private void Forgetting(ForgetRun forget)
    {
        Command<TrainModel>(m => RefuseForgetting(m.RequestId));
        Command<PredictModel>(m => RefuseForgetting(m.RequestId));
        Command<PredictRawRows>(_ => RefuseForgetting(null));
        Command<ForgetModel>(m => forget.Waiting.Add((Sender, m.Origin)));
        Command<StopEntity>(StashNoted);
        // Events first, then snapshots. A trim of older versions may finish meanwhile: its deletions name other bounds.
        Command<DeleteMessagesSuccess>(m => m.ToSequenceNr == _forgottenSeqNr - 1, _ => DeleteSnapshots(forget.Snapshots));
        Command<DeleteMessagesFailure>(f => f.ToSequenceNr == _forgottenSeqNr - 1, f => ForgetFailed(forget, "events", f.Cause));
        Command<DeleteSnapshotsSuccess>(s => s.Criteria.Equals(forget.Snapshots), _ => Forgotten(forget));
        Command<DeleteSnapshotsFailure>(f => f.Criteria.Equals(forget.Snapshots), f => ForgetFailed(forget, "snapshots", f.Cause));
        Command<DescribeModel>(_ => Sender.Tell(Describe("forgetting")));
        Command<DescribeLive>(_ => Sender.Tell(Live("forgetting")));
        Command<DrainRows>(_ => DrainBatch());
        Common();
    }

    /// <summary>Serving handlers shared by idle, training and storing.</summary>
    private void Serving(Func<string> state)
    {
        Command<PredictRawRows>(OnPredictRows);
        Command<DrainRows>(_ => DrainBatch());
        Command<DescribeModel>(_ => Sender.Tell(Describe(state())));
        Command<DescribeLive>(_ => Sender.Tell(Live(state())));
    }

    /// <summary>What every phase handles the same way: results of jobs no longer running, the clean-up of old
    /// snapshots, queued jobs' deadlines and callers.</summary>
    private void Common()
    {
        Command<TrainingFinished>(m =>
        {
            _launched.RemoveWhere(j => j.RunId == m.RunId);
            m.Model.Dispose(); // cancelled or forgotten meanwhile
        });
        Command<TrainingCrashed>(m => _launched.RemoveWhere(j => j.RunId == m.RunId));
        Command<TrainingRunning>(_ => { });
        Command<ResumeTraining>(_ => { }); // a training runs (or is being forgotten): nothing to resume
        Command<TrainingDeadline>(m => CancelQueued(q => q.RunId == m.RunId, ModelFailed.DeadlinePassed));
        Command<Terminated>(t => CancelQueued(q => q.ReplyTo.Equals(t.ActorRef), "its caller is gone"));
        Command<CancelTraining>(m => Sender.Tell(new TrainingCancelled(_id, false, 0, "nothing to cancel", m.RequestId)));
        Command<CancelOneTraining>(m => Sender.Tell(new TrainingCancelled(_id, false, 0, NotQueued(m.Training), m.Training)));
        Command<DeleteSnapshotsSuccess>(s => s.Criteria.MaxSequenceNr == _trimTo - 1, _ => DeleteMessages(_trimTo)); // a trim's events
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("model {0}: could not delete old snapshots: {1}", _id, f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("model {0}: could not delete old events: {1}", _id, f.Cause.Message));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(_ => { });
        Command<UnloadModel>(_ => { });
        Command<ReceiveTimeout>(_ => { });
        Command<CatalogWriteEnded>(m =>
        {
            if (_catalogWrites > 0) _catalogWrites--; // (a write of an incarnation before a restart ends here too)
            if (m.Error is not null) OnCatalogWriteFailed(m);
        });
        Command<RetryCatalog>(m =>
        {
            _catalogRetry = false;
            if (_forgetting is null && _serving.Version == m.Card.Version) _ = AddToCatalog(m.Card, m.Attempt);
        });
    }

    // ---- train ------------------------------------------------------------------------------------------------------

    /// <summary>Parses and checks a train request; refuses it at once (naming the field) or returns its job.</summary>
    private TrainingJob? Accept(TrainModel m)
    {
        if (m.RequestId is { } requestId && Duplicate(requestId, m.ProgressTo, m.OutlivesCaller)) return null;
        if (!TryParse(m.RequestJson, m.RequestId, out var request, out var warnings))
        {
            Audit("train", m.Origin, m.RequestId, "bad-request", "request could not be parsed");
            return null;
        }
        var job = NewJob(request, warnings, m.ProgressTo, m.RequestId, forPredict: false, m.Origin, m.DeadlineUtc, m.OutlivesCaller);
        if (job is null) Audit("train", m.Origin, m.RequestId, "refused", "request refused before training");
        return job;
    }

    private TrainingJob? NewJob(AntiNexRequest request, IReadOnlyList<string> warnings, IActorRef? progressTo, string? requestId,
        bool forPredict, RequestOrigin? origin, DateTimeOffset? deadlineUtc, bool outlivesCaller = false)
    {
        // Paths are checked before queueing: a dataset outside the data roots is refused at once, naming the field.
        var pathIssues = request.CheckPaths(_rt.DataRoots, requireFiles: true);
        if (pathIssues.Count > 0)
        {
            Sender.Tell(new ModelFailed(_id, "bad-request", string.Join("; ", pathIssues), pathIssues, requestId));
            return null;
        }
        if (deadlineUtc is { } d && d <= DateTimeOffset.UtcNow)
        {
            Sender.Tell(ModelFailed.Of(_id, "cancelled", $"training of '{_id}' was not started: {ModelFailed.DeadlinePassed}", requestId));
            return null;
        }
        var job = new TrainingJob(request, warnings, Sender, progressTo, requestId, forPredict, origin, deadlineUtc)
        {
            OutlivesCaller = outlivesCaller,
        };
        if (job.HasWatchableCaller) Context.Watch(job.ReplyTo);
        if (deadlineUtc is { } deadline)
            Timers.StartSingleTimer(DeadlineKey(job), new TrainingDeadline(job.RunId), deadline - DateTimeOffset.UtcNow);
        return job;
    }

    /// <summary>A request whose id was seen already is not trained twice: a finished one is answered at once, a queued or
    /// running one is taken over by the new caller (the first caller is usually gone: a re-send follows a failure).</summary>
    private bool Duplicate(string requestId, IActorRef? progressTo, bool outlivesCaller)
    {
        if (_ledger.IsDone(requestId))
        {
            Sender.Tell(ModelFailed.Of(_id, "already-trained", _serving.HasModel
                ? $"request {requestId} was already trained on '{_id}' (not trained twice); version {_serving.Version} serves"
                : $"request {requestId} was already trained on '{_id}' (not trained twice), and the label was forgotten since", requestId));
            return true;
        }
        if (_ledger.EndedOutcome(requestId) is { } outcome)
        {
            // Its caller may have gone meanwhile (a gateway restarted): the request ended, and a re-send does not run it again.
            Sender.Tell(ModelFailed.Of(_id, outcome, $"request {requestId} already ended on '{_id}' without a version ({outcome}); it is " +
                "not run again: send it under a new request id to train", requestId));
            return true;
        }
        var same = _current?.RequestId == requestId ? _current : _queued.FirstOrDefault(q => q.RequestId == requestId);
        if (same is null) return false;
        if (same.HasWatchableCaller) Context.Unwatch(same.ReplyTo);
        same.ReplyTo = Sender;
        same.ProgressTo = progressTo ?? same.ProgressTo;
        same.OutlivesCaller = outlivesCaller;
        if (same.HasWatchableCaller) Context.Watch(same.ReplyTo);
        // Accepted already: the journal learns the new caller too, so a next holder answers it (same place in the order).
        if (same.Accepted && !same.ForPredict) Persist(AcceptedOf(same), _ledger.Accepted);
        var position = _queued.IndexOf(same) + 1;
        _log.Info("model {0}: request {1} re-sent; it joins the same training ({2})", _id, requestId,
            position > 0 ? $"queued, position {position}" : same.State);
        progressTo?.Tell(new TrainingQueued(_id, position, requestId));
        return true;
    }

    /// <summary>Queues a train request behind the running one; one with an id is journaled ("accepted") before its caller
    /// hears its queue position, so the label's next holder runs it if this one dies.</summary>
    private void Enqueue(TrainingJob job) => AcceptThen(job, queued: true, AddQueued);

    private void AddQueued(TrainingJob job)
    {
        _queued.Add(job);
        _log.Info("model {0}: training queued behind the running one (position {1})", _id, _queued.Count);
        job.ProgressTo?.Tell(new TrainingQueued(_id, _queued.Count, job.RequestId));
    }

    /// <summary>A train request starts by writing its "accepted" event (then trains); predicts that train first and
    /// requests without an id are not re-run elsewhere.</summary>
    private void Start(TrainingJob job) => AcceptThen(job, queued: false, Launch);

    /// <summary>Journals a train request's "accepted" event once, then goes on with <paramref name="then"/>; predicts that
    /// train first, requests without an id and requests already accepted go on at once.</summary>
    private void AcceptThen(TrainingJob job, bool queued, Action<TrainingJob> then)
    {
        if (job.ForPredict || job.RequestId is null || job.Accepted)
        {
            then(job);
            return;
        }
        _accepting = job;
        _acceptingQueued = queued;
        Persist(AcceptedOf(job), e =>
        {
            _accepting = null;
            _ledger.Accepted(e);
            job.Accepted = true;
            _ = InFlight(true);
            then(job);
        });
    }

    /// <summary>A snapshot without pending requests stores no field for them (as snapshots written before it existed).</summary>
    private static IReadOnlyList<StoredTrainingAccepted>? PendingFor(IReadOnlyList<StoredTrainingAccepted> pending)
        => pending.Count > 0 ? pending : null;

    private static StoredTrainingAccepted AcceptedOf(TrainingJob job) => new(job.RequestId!, job.Request.RawJson, DateTimeOffset.UtcNow,
        job.ReplyTo.IsNobody() ? null : job.ReplyTo, job.ProgressTo, job.Origin, job.DeadlineUtc);

    private void Launch(TrainingJob job)
    {
        _current = job;
        _launched.Add(job);
        job.Launch(_id, _rt, Self, _log);
        Become(() => Training(job));
    }

    /// <summary>Runs the trainings the label's previous holder accepted but did not finish, in their order: the first
    /// starts, the others queue behind it. Each answers its original caller if that one is still alive (its path is in
    /// the event).</summary>
    private void Resume()
    {
        if (!_ledger.HasPending)
        {
            _ = InFlight(false); // woken for trainings that are over (the set entry outlived them)
            return;
        }
        foreach (var accepted in _ledger.Pending.ToList())
        {
            if (_current?.RequestId == accepted.RequestId || _queued.Any(q => q.RequestId == accepted.RequestId)) continue;
            if (ResumedJob(accepted) is { } job) _queued.Add(job);
        }
        if (_current is null && _queued.Count > 0) NextOrIdle();
    }

    private TrainingJob? ResumedJob(StoredTrainingAccepted u)
    {
        if (u.DeadlineUtc is { } d && d <= DateTimeOffset.UtcNow)
        {
            _log.Info("model {0}: training of request {1} is not run again: its deadline has passed", _id, u.RequestId);
            EndAccepted(u.RequestId, TrainingLedger.DeadlinePassed);
            return null;
        }
        AntiNexRequest request;
        IReadOnlyList<string> warnings;
        try { request = AntiNexRequest.Parse(u.RequestJson, out warnings); }
        catch (Exception ex) // whatever the fault, a request that cannot be read again must not stop the entity's recovery
        {
            _log.Warning("model {0}: accepted request {1} no longer parses ({2}); not run again", _id, u.RequestId, ex.Message);
            EndAccepted(u.RequestId, "bad-request");
            return null;
        }
        var job = new TrainingJob(request, warnings, u.ReplyTo ?? ActorRefs.Nobody, u.ProgressTo, u.RequestId, false, u.Origin, u.DeadlineUtc)
        {
            Accepted = true, Resumed = true,
        };
        if (u.DeadlineUtc is { } deadline)
            Timers.StartSingleTimer(DeadlineKey(job), new TrainingDeadline(job.RunId), deadline - DateTimeOffset.UtcNow);
        _log.Info("model {0}: running again the training of request {1} (accepted {2:u}, its holder stopped before it finished)",
            _id, u.RequestId, u.AcceptedUtc);
        return job;
    }

    /// <summary>The entity moves (hand-off) mid-training: accepted trainings (running and queued) are not ended, so the
    /// label's next holder runs them again, in order, and answers their callers; ones without an id are refused with a
    /// retry hint.</summary>
    private void HandOff(TrainingJob running)
    {
        running.Cancel();
        var moving = "the model is moving to another node (rebalance or shutdown); retry";
        CancelQueued(q => !q.Accepted, moving);
        foreach (var queued in _queued) Timers.Cancel(DeadlineKey(queued));
        var left = _queued.Count + (running.Accepted ? 1 : 0);
        _queued.Clear();
        if (!running.Accepted) FailJob(running, ModelFailed.Of(_id, "cancelled", $"training of '{_id}' was cancelled: {moving}", running.RequestId));
        else
        {
            Timers.Cancel(DeadlineKey(running));
            AnswerWaiting(running, ModelFailed.Of(_id, "busy", $"label '{_id}' has no trained model yet and {moving}"));
        }
        if (left == 0) return;
        _log.Info("model {0}: moving mid-training; the next holder runs {1} accepted training(s) again", _id, left);
        Context.System.ActorSelection("/user/" + TrainingResumer.Name).Tell(new ResumeTraining(_id));
    }

    /// <summary>An accepted training ended without a version: not run again.</summary>
    private void EndAccepted(string requestId, string outcome)
    {
        // The ledger learns it now, not when the event is written: a forget that follows in the same message (it cancels
        // the trainings first) records these ids with the label's history. A failed write stops the entity, and recovery
        // reads the ledger from the journal again.
        var ended = new StoredTrainingEnded(requestId, outcome);
        _ledger.Ended(ended);
        Persist(ended, _ => OnEndStored());
    }

    private void OnEndStored()
    {
        if (!_ledger.HasPending) _ = InFlight(false);
    }

    /// <summary>Starts the next queued training, or goes idle; replays what the previous phase stashed.</summary>
    private void NextOrIdle()
    {
        Stash.UnstashAll();
        if (_queued.Count > 0)
        {
            var next = _queued[0];
            _queued.RemoveAt(0);
            for (var i = 0; i < _queued.Count; i++) _queued[i].ProgressTo?.Tell(new TrainingQueued(_id, i + 1, _queued[i].RequestId));
            Start(next);
            return;
        }
        Become(Idle);
    }

    private void Store(TrainingJob job, TrainingFinished done)
    {
        _launched.Remove(job);
        var summary = StoredModelSummary.From(done.Model.Summary);
        var metrics = StoredModelMetrics.From(ModelMetrics.From(done.Outcome.Report));
        var trained = new StoredModelTrained(_serving.NextVersion, DateTimeOffset.UtcNow, summary, metrics, job.ForPredict ? null : job.RequestId);
        var swap = new PendingSwap(job, new StoredModelSnapshot(_id, trained.Version, trained.TrainedUtc, summary, metrics,
            done.Outcome.Artifact, _ledger.FinishedWith(trained.RequestId), PendingFor(_ledger.PendingWithout(trained.RequestId)),
            _ledger.EndedForGood.ToList()),
            done.Outcome, done.Model);
        _persisting = swap;
        Persist(trained, e =>
        {
            _persisting = null;
            _serving = _serving.Apply(e);
            // The new version serves only once its artifact is durable (SaveSnapshotSuccess): never a model that a
            // crash could lose.
            SaveSnapshot(swap.Snapshot);
            _storing = swap;
            Become(() => Storing(swap));
        });
    }

    private void OnStored(PendingSwap swap, SaveSnapshotSuccess saved)
    {
        _storing = null;
        EndJob(swap.Job);
        if (!swap.Job.ForPredict && swap.Job.RequestId is { } done)
        {
            _ledger.Done(done);
            if (swap.Job.Accepted && !_ledger.HasPending) _ = InFlight(false);
        }
        var old = _model;
        _model = swap.Model;
        _serving = _serving.Serve(swap.Snapshot).ReleaseArtifact(); // the trained network serves: the bytes are stored
        _integrityError = null;
        if (old is null) AntiNexMetrics.ModelLoaded();
        old?.Dispose();
        AntiNexMetrics.SnapshotSaved(swap.Snapshot.Artifact.Length);
        TouchLoaded();
        var listed = AddToCatalog(ModelCard.Of(swap.Snapshot));
        // Keep the latest snapshot and the one before it (served instead if the latest is ever refused as altered).
        var previous = _snapshotSeqNr;
        _snapshotSeqNr = saved.Metadata.SequenceNr;
        TrimBefore(previous);
        _log.Info("model {0}: version {1} trained and stored", _id, _serving.Version);
        Context.System.EventStream.Publish(new ModelVersionChanged(_id, _serving.Version, false));

        var job = swap.Job;
        Audit("train", job.Origin, job.RequestId, "ok", $"version {_serving.Version}");
        if (job.ForPredict)
        {
            if (swap.Outcome.Predictions is { } predictions) ReplyPredicted(predictions, job.ReplyTo, job.RequestId, trainedFirst: true, listed);
            else ServePredict(job.Request, job.ReplyTo, job.RequestId, trainedFirst: true, listed);
        }
        else
        {
            TellWhenListed(listed, job.ReplyTo, new ModelTrainedReply(_id, _serving.Version, swap.Outcome.Report,
                Truncate(swap.Outcome.Predictions).Result, _rt.NodeName, job.Warnings, job.RequestId));
        }
        foreach (var waiting in job.WaitingPredicts) ServePredict(waiting.Request, waiting.ReplyTo, waiting.RequestId, false);
        NextOrIdle();
    }

    /// <summary>Recovery starts from the latest snapshot, or from the kept one before it (<paramref name="kept"/>) if the
    /// latest is refused; older snapshots and the events up to the kept one (accepted requests' text included) are no
    /// longer read. Snapshots go first: a failure between the two steps never leaves a snapshot without its events.</summary>
    private void TrimBefore(long kept)
    {
        if (kept <= 0) return;
        _trimTo = kept;
        DeleteSnapshots(new SnapshotSelectionCriteria(kept - 1));
    }

    private void OnStoreFailed(PendingSwap swap, SaveSnapshotFailure failure)
    {
        _storing = null;
        swap.Model.Dispose();
        _log.Error(failure.Cause, "model {0}: snapshot of version {1} failed", _id, swap.Snapshot.Version);
        FailJob(swap.Job, ModelFailed.Of(_id, "persistence",
            $"version {swap.Snapshot.Version} trained but its snapshot could not be stored ({failure.Cause.Message}); {KeepText()}",
            swap.Job.RequestId));
        NextOrIdle();
    }

    /// <summary>The journal refused the event (e.g. a serialization error): the entity keeps running and serving.</summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        if (@event is StoredModelForgotten)
        {
            ForgetRefused(cause);
            Stash.UnstashAll();
            Become(Idle);
            return;
        }
        if (_accepting is { } accepting && @event is StoredTrainingAccepted a && a.RequestId == accepting.RequestId)
        {
            _accepting = null;
            FailJob(accepting, ModelFailed.Of(_id, "persistence", $"training of '{_id}' was not started: the journal refused its request " +
                $"({cause.Message}); {KeepText()}", accepting.RequestId));
            if (!_acceptingQueued) NextOrIdle(); // a refused queued request leaves the running training alone
            return;
        }
        if (_persisting is not { } swap || @event is not StoredModelTrained) return; // (a refused end record changes nothing served)
        _persisting = null;
        swap.Model.Dispose();
        FailJob(swap.Job, ModelFailed.Of(_id, "persistence",
            $"version {swap.Snapshot.Version} trained but the journal refused it ({cause.Message}); {KeepText()}", swap.Job.RequestId));
        NextOrIdle();
    }

    /// <summary>The journal failed to write the event: Akka stops the entity after this (its state may be unknown),
    /// so every caller is told now; the next message restarts it from the stored state.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        PassivateBeforeStop();
        // Commands not handled yet (put aside for the write, or stashed until the phase ends) would die with this
        // incarnation: the shard holds them for the next one, after the passivation it was just asked for. The stash
        // holds only noted commands and stops, which the passivation replaces.
        Stash.ClearStash();
        _writeWaiters.ReturnAll(Context.Parent);
        DrainBatch(); // rows queued for a drain that would reach a stopped entity: answered now
        // A forget waits for its own event or for the events ending the trainings it cancelled: either way its outcome
        // is unknown (a write that timed out may have landed).
        ForgetUncertain(cause);
        var accepted = _queued.Any(q => q.Accepted) || _current is { Accepted: true };
        var (swapJob, acceptingJob) = (_persisting?.Job, _accepting);
        if (_accepting is { } accepting)
        {
            _accepting = null;
            FailJob(accepting, ModelFailed.Of(_id, "persistence", $"training of '{_id}' was not started: storing its request failed " +
                $"({cause.Message}); retry", accepting.RequestId));
        }
        if (_persisting is { } swap)
        {
            swap.Model.Dispose();
            // The accepted request is not ended (the store is down anyway): the label trains it again once it loads.
            var again = swap.Job.Accepted && swap.Job.RequestId is { } id ? $"; request {id} is trained again once the store is back" : "";
            FailJob(swap.Job, ModelFailed.Of(_id, "persistence",
                $"version {swap.Snapshot.Version} trained but could not be stored ({cause.Message}); " +
                $"the model restarts from its stored version {_serving.Version}{again}", swap.Job.RequestId));
            _persisting = null;
        }
        if (_storing is { } storing)
        {
            // Its snapshot save is still in flight and may land: the caller hears that the outcome is unknown, not a failure.
            _storing = null;
            storing.Model.Dispose();
            EndJob(storing.Job);
            var unknown = ModelFailed.Of(_id, "persistence", $"version {storing.Snapshot.Version} trained, and the journal failed " +
                $"({cause.Message}) while its snapshot was being stored: whether it was stored is unknown; describe the label to see " +
                "the version it serves", storing.Job.RequestId);
            storing.Job.ReplyTo.Tell(unknown);
            AnswerWaiting(storing.Job, unknown);
        }
        // Accepted ones stay in the journal: the label runs them once the store is back (a re-send with the same id joins
        // them); the others are lost with this incarnation.
        foreach (var queued in _queued)
        {
            EndJob(queued);
            var failed = ModelFailed.Of(_id, "persistence", queued.Accepted
                ? $"queued training of '{_id}' stopped waiting: storing failed ({cause.Message}); request {queued.RequestId} stays accepted " +
                  "and runs once the store is back"
                : $"training of '{_id}' was not started: storing failed ({cause.Message}); retry", queued.RequestId);
            if (!queued.Accepted) Audit("train", queued.Origin, queued.RequestId, failed.Code, failed.Message); // it ends here
            queued.ReplyTo.Tell(failed);
            AnswerWaiting(queued, ModelFailed.Of(_id, "persistence",
                $"label '{_id}' has no trained model yet: storing failed ({cause.Message}); retry"));
        }
        _queued.Clear();
        // A running training that is not accepted (a predict's, or one without an id) ends with this incarnation: its
        // caller hears why, and the audit records it.
        if (_current is { Accepted: false } running && running != swapJob && running != acceptingJob)
            FailJob(running, ModelFailed.Of(_id, "persistence",
                $"training of '{_id}' stopped: storing failed ({cause.Message}); retry", running.RequestId));
        else if (_current is { } kept)
            AnswerWaiting(kept, ModelFailed.Of(_id, "persistence",
                $"label '{_id}' has no trained model yet: storing failed ({cause.Message}); retry"));
        // The entity stops now: wake it again later so its accepted trainings run without waiting for a next message.
        if (accepted) Context.System.ActorSelection("/user/" + TrainingResumer.Name).Tell(new ResumeTraining(_id));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    private void OnCrashed(TrainingJob job, TrainingCrashed crashed)
    {
        _launched.Remove(job);
        var failed = job.FailureOf(_id, crashed.Error, KeepSuffix());
        if (failed.Code is "training-failed" or "artifact") _log.Error(crashed.Error, "model {0}: training failed", _id);
        FailJob(job, failed);
        NextOrIdle();
    }

    /// <summary>Reply to a failed job; predicts that waited for it are served by the previous version if any.</summary>
    private void FailJob(TrainingJob job, ModelFailed failed)
    {
        EndJob(job);
        if (job.Accepted && job.RequestId is { } requestId && _persisting is null && _accepting is null)
            EndAccepted(requestId, failed.IsDeadlineCancel() ? TrainingLedger.DeadlinePassed : failed.Code);
        Audit("train", job.Origin, job.RequestId, failed.Code, failed.Message);
        job.ReplyTo.Tell(failed);
        if (_serving.HasModel)
        {
            foreach (var waiting in job.WaitingPredicts) ServePredict(waiting.Request, waiting.ReplyTo, waiting.RequestId, false);
            job.WaitingPredicts.Clear();
        }
        else if (_queued.Count > 0) // the next training may still bring a first version: they wait for it
        {
            _queued[0].WaitingPredicts.AddRange(job.WaitingPredicts);
            job.WaitingPredicts.Clear();
        }
        else AnswerWaiting(job, WaitingAnswer(failed));
    }

    /// <summary>What a predict that waited for a first training hears when that training ends without a version: not the
    /// training's own refusal (its issues name the train request's fields, its deadline is not the predict's).</summary>
    private ModelFailed WaitingAnswer(ModelFailed failed)
    {
        bool retry = failed.Code is "busy" or "persistence" or "unavailable" || failed.Code == "cancelled" && !failed.IsDeadlineCancel();
        return ModelFailed.Of(_id, retry ? (failed.Code == "cancelled" ? "busy" : failed.Code) : "not-trained",
            $"label '{_id}' has no trained model: the training it waited for ended without one ({failed.Code}: {failed.Message})");
    }

    /// <summary>Answers the predicts waiting for <paramref name="job"/> with <paramref name="answer"/> (each with its own id).</summary>
    private static void AnswerWaiting(TrainingJob job, ModelFailed answer)
    {
        foreach (var waiting in job.WaitingPredicts) waiting.ReplyTo.Tell(answer with { RequestId = waiting.RequestId });
        job.WaitingPredicts.Clear();
    }

    /// <summary>A job is over: its deadline timer and its caller's watch go (unless another job has the same caller).</summary>
    private void EndJob(TrainingJob job)
    {
        if (_current == job) _current = null;
        Timers.Cancel(DeadlineKey(job));
        if (job.HasWatchableCaller && !_queued.Any(q => q != job && q.ReplyTo.Equals(job.ReplyTo))) Context.Unwatch(job.ReplyTo);
    }

    // ---- cancel -----------------------------------------------------------------------------------------------------

    private void OnCancel(CancelTraining m, TrainingJob? running, PendingSwap? storing)
        => Cancel(m.Origin, m.RequestId, null, running, storing);

    private void OnCancel(CancelOneTraining m, TrainingJob? running, PendingSwap? storing)
        => Cancel(m.Origin, m.Training, m.Training, running, storing);

    private static string NotQueued(string training) => $"no training of request '{training}' is queued or running";

    /// <param name="training">only the training of this request id; null for every one.</param>
    private void Cancel(RequestOrigin? origin, string? requestId, string? training, TrainingJob? running, PendingSwap? storing)
    {
        var by = origin is null ? "a cancel command" : $"a cancel command ({origin})";
        bool Chosen(TrainingJob job) => training is null || job.RequestId == training;
        var queued = CancelQueued(Chosen, $"cancelled by {by}");
        if (running is not null && !Chosen(running)) running = null;
        if (running is not null) CancelRunning(running, $"cancelled by {by}");
        var parts = new List<string>();
        if (running is not null) parts.Add("the running training");
        if (queued > 0) parts.Add($"{queued} queued training(s)");
        var detail = parts.Count > 0 ? "cancelled " + string.Join(" and ", parts)
            : training is null ? "nothing to cancel" : NotQueued(training);
        var stored = storing is not null && Chosen(storing.Job);
        if (stored) detail += $"; version {storing!.Snapshot.Version} is already trained and being stored (not cancelled)";
        Audit("cancel", origin, requestId, parts.Count > 0 ? "ok" : "nothing", detail);
        Sender.Tell(new TrainingCancelled(_id, running is not null, queued, detail, requestId, stored));
    }

    /// <summary>Cancels the running job (its thread stops at its next check; the node slot frees then), replies at once
    /// and moves on: the late result of the cancelled job is recognised by its id and dropped.</summary>
    private void CancelRunning(TrainingJob job, string reason)
    {
        job.Cancel();
        _log.Info("model {0}: training cancelled: {1}", _id, reason);
        FailJob(job, ModelFailed.Of(_id, "cancelled", $"training of '{_id}' was cancelled: {reason}{KeepSuffix()}", job.RequestId));
        NextOrIdle();
    }

    private int CancelQueued(Func<TrainingJob, bool> which, string reason)
    {
        var cancelled = _queued.Where(which).ToList();
        foreach (var job in cancelled)
        {
            _queued.Remove(job);
            FailJob(job, ModelFailed.Of(_id, "cancelled", $"queued training of '{_id}' was cancelled: {reason}", job.RequestId));
        }
        return cancelled.Count;
    }

    private void CancelAll(TrainingJob running, string reason)
    {
        CancelQueued(_ => true, reason);
        running.Cancel();
        FailJob(running, ModelFailed.Of(_id, "cancelled", $"training of '{_id}' was cancelled: {reason}", running.RequestId));
    }

    // ---- predict ----------------------------------------------------------------------------------------------------

    private void OnPredict(PredictModel m, TrainingJob? running)
    {
        if (RefuseUnverified(m.RequestId)) return;
        // A label with nothing trained and nothing to train from says so first: a misspelt label's predict used to hear of
        // the request's other gaps (predict_feature) instead, as if the model existed.
        if (!_serving.HasModel && running is null && NamesNoDataset(m.RequestJson))
        {
            RefuseNotTrained(m.RequestId);
            return;
        }
        if (!TryParse(m.RequestJson, m.RequestId, out var request, out var warnings)) return;
        if (_serving.HasModel)
        {
            ServePredict(request, Sender, m.RequestId, trainedFirst: false, countUnseen: m.CountUnseen);
            return;
        }
        if (running is not null)
        {
            // First training: answered after it. A gateway session re-sends until it hears progress: one entry per caller,
            // and the caller hears that it waits.
            if (!running.WaitingPredicts.Any(w => w.ReplyTo.Equals(Sender) && w.RequestId == m.RequestId))
                running.WaitingPredicts.Add(new WaitingPredict(request, Sender, m.RequestId));
            m.ProgressTo?.Tell(new TrainingQueued(_id, 1 + _queued.Count, m.RequestId));
            return;
        }
        if (string.IsNullOrWhiteSpace(request.Dataset))
        {
            RefuseNotTrained(m.RequestId);
            return;
        }
        if (!m.MayTrain)
        {
            Sender.Tell(new ModelFailed(_id, "forbidden",
                $"label '{_id}' has no trained model, and this caller may predict but not train: training it first needs the right to train",
                [new RequestIssue("dataset", "trains a never-trained label first, which this caller may not do (train the label first)")],
                m.RequestId));
            return;
        }
        if (NewJob(request, warnings, m.ProgressTo, m.RequestId, forPredict: true, m.Origin, m.DeadlineUtc) is { } job) Start(job);
    }

    private void RefuseNotTrained(string? requestId) => Sender.Tell(new ModelFailed(_id, "not-trained",
        $"label '{_id}' has no trained model and the request carries no dataset to train one from",
        [new RequestIssue("dataset", "required to predict on a label that was never trained (send a train request first)")], requestId));

    /// <summary>A readable request object whose "dataset" is absent, null or blank; false for one that cannot be read or
    /// gives a dataset of another type (the parser names those faults).</summary>
    private static bool NamesNoDataset(string json)
    {
        try
        {
            using var doc = RequestJson.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return false;
            if (!doc.RootElement.TryGetProperty("dataset", out var d)) return true;
            return d.ValueKind == JsonValueKind.Null || (d.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(d.GetString()));
        }
        catch (Exception e) when (e is JsonException or RequestException) { return false; }
    }

    /// <param name="listed">for a predict that trained first, the catalog write of the new version: its caller hears the
    /// answer once the listing shows that version, as a training's caller does.</param>
    /// <param name="countUnseen">the reply carries the counts behind its unseen-category warnings (see <see cref="PredictModel"/>).</param>
    private void ServePredict(AntiNexRequest request, IActorRef replyTo, string? requestId, bool trainedFirst, Task? listed = null,
        bool countUnseen = false)
    {
        if (!EnsureLoaded(replyTo, requestId)) return;
        try
        {
            var started = Stopwatch.GetTimestamp();
            var unseen = countUnseen ? new List<UnseenCategory>() : null;
            var result = _model!.Predict(request, _rt.DataRoots, unseen);
            AntiNexMetrics.RecordPredict(_id, Stopwatch.GetElapsedTime(started).TotalMilliseconds, result.Rows);
            _served += result.Rows;
            ReplyPredicted(result, replyTo, requestId, trainedFirst, listed, unseen);
        }
        catch (RequestException re)
        {
            AntiNexMetrics.RecordPredictError(_id, "bad-request");
            TellWhenListed(listed, replyTo, new ModelFailed(_id, "bad-request", re.Message, re.Issues, requestId));
        }
        catch (Exception ex)
        {
            AntiNexMetrics.RecordPredictError(_id, "internal");
            _log.Error(ex, "model {0}: predict failed", _id);
            TellWhenListed(listed, replyTo,
                ModelFailed.Of(_id, "internal", $"predict failed: {ex.GetType().Name}: {ex.Message}", requestId));
        }
    }

    private void ReplyPredicted(PredictionResult result, IActorRef replyTo, string? requestId, bool trainedFirst, Task? listed = null,
        IReadOnlyList<UnseenCategory>? unseen = null)
    {
        var (trimmed, omitted) = Truncate(result);
        TellWhenListed(listed, replyTo,
            new Predicted(_id, _serving.Version, trimmed!, _rt.NodeName, trainedFirst, omitted, requestId, unseen));
    }

    private (PredictionResult? Result, int Omitted) Truncate(PredictionResult? result)
    {
        if (result is null || result.Samples.Count <= _rt.MaxSamplesPerReply) return (result, 0);
        return (result with { Samples = result.Samples.Take(_rt.MaxSamplesPerReply).ToList() },
            result.Samples.Count - _rt.MaxSamplesPerReply);
    }

    private void OnPredictRows(PredictRawRows m)
    {
        if (RefuseUnverified(null)) return;
        if (!_serving.HasModel)
        {
            Sender.Tell(ModelFailed.Of(_id, "not-trained", $"label '{_id}' has no trained model: train it first"));
            return;
        }
        if (_rows.Add(m, Sender)) Self.Tell(DrainRows.Instance);
    }

    private void DrainBatch()
    {
        if (_rows.IsEmpty) return;
        _served += _rows.Drain(EnsureLoaded(null, null) ? _model : null, _serving.Version, _rt.NodeName);
    }

    private bool EnsureLoaded(IActorRef? replyTo, string? requestId)
    {
        if (_model is not null)
        {
            TouchLoaded();
            return true;
        }
        if (_serving.Artifact is not { } artifact)
        {
            replyTo?.Tell(ModelFailed.Of(_id, "not-trained", $"label '{_id}' has no trained model", requestId));
            return false;
        }
        try
        {
            var started = Stopwatch.GetTimestamp();
            _model = TrainedModel.Load(artifact, _rt.EngineOptions);
            // The network holds the weights now: the artifact bytes are not kept beside them (a model is loaded once
            // per entity life; an unloaded model stops its entity, and the next one recovers the bytes again).
            _serving = _serving.ReleaseArtifact();
            AntiNexMetrics.ModelLoaded();
            AntiNexMetrics.ModelRecovered(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _log.Info("model {0}: version {1} loaded in {2:F1} ms", _id, _serving.Version, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            TouchLoaded();
            return true;
        }
        catch (Exception ex)
        {
            _log.Error(ex, "model {0}: stored artifact of version {1} does not load", _id, _serving.Version);
            replyTo?.Tell(ModelFailed.Of(_id, "artifact",
                $"stored model of '{_id}' (version {_serving.Version}) does not load: {ex.Message}", requestId));
            return false;
        }
    }

    // ---- forget -----------------------------------------------------------------------------------------------------

    private void BeginForget(IActorRef replyTo, RequestOrigin? origin)
    {
        if (!_serving.HasModel && LastSequenceNr == _forgottenSeqNr && !_deletionPending)
        {
            // The passivation is asked before the caller hears the answer (here and in Forgotten): a message the
            // caller sends next reaches the shard after it, so the shard holds it for a fresh entity instead of
            // handing it to this one, which is about to stop.
            Context.Parent.Tell(new Passivate(StopEntity.Instance));
            TellWhenListed(RemoveFromCatalog(), replyTo, new ModelForgotten(_id, false));
            Audit("forget", origin, null, "ok", "nothing was stored");
            Become(Idle);
            return;
        }
        // The forget's event is written first and outlives the deletion: it keeps the highest version (see StoredModelForgotten).
        var forget = new ForgetRun([(replyTo, origin)], SnapshotSelectionCriteria.Latest, _serving.NextVersion - 1);
        _forgetting = forget;
        Become(() => Forgetting(forget));
        Persist(new StoredModelForgotten(forget.HighestVersion, DateTimeOffset.UtcNow, _ledger.Finished.ToList(), _ledger.EndedForGood.ToList()), _ =>
        {
            _forgottenSeqNr = LastSequenceNr;
            DeleteMessages(LastSequenceNr - 1);
        });
    }

    private void Forgotten(ForgetRun forget)
    {
        _deletionPending = false;
        var unlisted = ServeNothing(forget);
        _log.Info("model {0}: forgotten (events and snapshots deleted)", _id);
        Context.Parent.Tell(new Passivate(StopEntity.Instance));
        AnswerForget(forget, unlisted, "ok", "events and snapshots deleted", new ModelForgotten(_id, true));
        Stash.UnstashAll();
        Become(Idle);
    }

    /// <summary>The forget's event is stored, so whatever a restart recovers is forgotten: this entity serves nothing
    /// either, and a next forget deletes again (here, or after a passivation: recovery sees the deletion pending).</summary>
    private void ForgetFailed(ForgetRun forget, string what, Exception cause)
    {
        _deletionPending = true;
        var unlisted = ServeNothing(forget);
        _log.Warning("model {0}: forgotten, but deleting its stored {1} failed: {2}", _id, what, cause.Message);
        AnswerForget(forget, unlisted, "persistence", $"forgotten; deleting its {what} failed: {cause.Message}", ModelFailed.Of(_id,
            "persistence", $"'{_id}' is forgotten and serves nothing, but deleting its stored {what} failed ({cause.Message}); " +
                           "forget it again to delete them"));
        Stash.UnstashAll();
        Become(Idle);
    }

    /// <summary>The journal refused the forget's event: nothing changed, its callers hear why.</summary>
    private void ForgetRefused(Exception cause) => ForgetNotDone(cause, "the journal refused the forget",
        $"'{_id}' is not forgotten: the journal refused the forget ({cause.Message}); it still serves");

    /// <summary>The journal failed while the forget was stored: the entity stops, and what it recovers says whether the
    /// forget took effect. A forget sent again finishes it either way (a stored forget whose deletion did not run deletes
    /// again after recovery).</summary>
    private void ForgetUncertain(Exception cause) => ForgetNotDone(cause, "the journal failed while storing the forget",
        $"the journal failed while storing the forget of '{_id}' ({cause.Message}); it may or may not have taken effect: " +
        "forget it again once the store is back");

    private void ForgetNotDone(Exception cause, string audit, string message)
    {
        if (_forgetting is not { } forget) return;
        _forgetting = null;
        AnswerForget(forget, Task.CompletedTask, "persistence", $"{audit}: {cause.Message}", ModelFailed.Of(_id, "persistence", message));
    }

    /// <summary>Audits the forget for each of its callers and answers them once <paramref name="catalogWrite"/> is done.</summary>
    private void AnswerForget(ForgetRun forget, Task catalogWrite, string status, string audit, object reply)
    {
        foreach (var (replyTo, origin) in forget.Waiting)
        {
            Audit("forget", origin, null, status, audit);
            TellWhenListed(catalogWrite, replyTo, reply);
        }
    }

    /// <returns>the catalog's removal of the label.</returns>
    private Task ServeNothing(ForgetRun forget)
    {
        _forgetting = null;
        if (_model is not null) AntiNexMetrics.ModelUnloaded(false);
        _model?.Dispose();
        _model = null;
        _integrityError = null; // a refused snapshot of the forgotten versions no longer applies
        _serving = ServingState.Empty with { HighestVersion = forget.HighestVersion };
        _ledger.Forgotten(_ledger.Finished.ToList(), _ledger.EndedForGood.ToList());
        _rt.Loaded.Release(_id, Self);
        Context.System.EventStream.Publish(new ModelVersionChanged(_id, 0, true));
        return RemoveFromCatalog();
    }

    private void RefuseForgetting(string? requestId)
        => Sender.Tell(ModelFailed.Of(_id, "busy", $"label '{_id}' is being forgotten; retry", requestId));

    // ---- describe / lifecycle ----------------------------------------------------------------------------------------

    private ModelDescription Describe(string state) => new(_serving.Summary?.Label ?? _id, _serving.HasModel, _serving.Version,
        ServingSummary(), _serving.Metrics?.ToMetrics(), _serving.TrainedUtc, _rt.NodeName, _model is not null, state, _served);

    /// <summary>A version stored before summaries named their categorical inputs learns them from its loaded model.</summary>
    private ModelSummary? ServingSummary()
    {
        var summary = _serving.Summary?.ToEngine();
        return summary is { CategoricalFeatures: null } && _model is { } model
            ? summary with { CategoricalFeatures = model.Summary.CategoricalFeatures } : summary;
    }

    private LiveModel Live(string state) => new(_id, _serving.HasModel, _serving.Version, _model is not null, state, _served);

    /// <summary>Versions exist but no stored snapshot verified: refuse to serve (a retrain stores a new, signed one).</summary>
    private bool RefuseUnverified(string? requestId)
    {
        if (_integrityError is null || _serving.HasModel) return false;
        Sender.Tell(ModelFailed.Of(_id, "integrity", _integrityError, requestId));
        return true;
    }

    /// <returns>whether the newest version's snapshot was refused.</returns>
    private bool CheckRefusedSnapshot()
    {
        // Only a refusal newer than the snapshot recovered explains a missing version (an older one is history).
        if (_serving.HighestVersion <= _serving.Version
            || SnapshotRefusals.Get(Context.System).Find(PersistenceId, _snapshotSeqNr + 1) is not { } refused)
            return false;
        if (_serving.HasModel)
        {
            _log.Error("model {0}: the snapshot of version {1} was refused ({2}); serving the previous good version {3}",
                _id, _serving.HighestVersion, refused.Reason, _serving.Version);
            return true;
        }
        _integrityError = $"model '{_id}' is unavailable: its stored snapshot (version {_serving.HighestVersion}) was refused " +
                          $"because {refused.Reason}, and no earlier good version is stored; train it again to store a new version";
        _log.Error("model {0}: {1}", _id, _integrityError);
        return true;
    }

    /// <summary>Akka stops the entity after a failed recovery or journal write. Asked first, before any caller hears the
    /// failure, the shard holds what a caller sends next for a fresh entity: otherwise the shard, not yet told of the stop,
    /// would hand it to this stopping one, which drops it (the caller waits for its timeout).</summary>
    private void PassivateBeforeStop() => Context.Parent.Tell(new Passivate(StopEntity.Instance));

    private bool PassivateIfIdle(string reason)
    {
        if (!_rows.IsEmpty || _catalogRetry || _catalogWrites > 0) return false;
        _log.Debug("model {0}: passivating ({1})", _id, reason);
        Context.Parent.Tell(new Passivate(StopEntity.Instance));
        return true;
    }

    private string KeepSuffix() => _serving.HasModel ? $"; still serving version {_serving.Version}" : "";

    private string KeepText() => _serving.HasModel ? $"still serving version {_serving.Version}" : "no model is served";

    private static (string, Guid) DeadlineKey(TrainingJob job) => ("deadline", job.RunId);

    private void Audit(string action, RequestOrigin? origin, string? requestId, string result, string? detail)
        => Context.System.EventStream.Publish(new ModelCommandAudited(action, _id, origin, requestId, result, detail,
            DateTimeOffset.UtcNow, _rt.NodeName));

    private void TouchLoaded()
    {
        foreach (var victim in _rt.Loaded.Touch(_id, Self)) victim.Tell(UnloadModel.Instance);
    }

    /// <summary>Tells <paramref name="replyTo"/> once the catalog write is done: a caller who hears that a version was
    /// stored (or a label forgotten) and lists the models at once finds the listing agrees. No write (null): told now.</summary>
    private void TellWhenListed(Task? catalogWrite, IActorRef replyTo, object reply)
    {
        var self = Self;
        if (catalogWrite is null || catalogWrite.IsCompleted) replyTo.Tell(reply, self);
        else catalogWrite.ContinueWith(_ => replyTo.Tell(reply, self), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task AddToCatalog(ModelCard card, int attempt = 0)
    {
        var self = Self;
        _catalogWrites++; // on the actor's thread: nothing is awaited before this
        string? error = null;
        try { await _rt.Catalog.AddAsync(_id, card); }
        catch (Exception ex) { error = ex.Message; }
        self.Tell(new CatalogWriteEnded(card, attempt, error));
    }

    /// <summary>A label that wakes with a model the catalog does not list (its catalog write failed on a holder that then
    /// stopped) is listed again: one membership check per wake.</summary>
    private async Task ListIfMissing(ModelCard card)
    {
        var self = Self;
        try
        {
            if (await _rt.Catalog.ListsAsync(_id)) return;
        }
        catch (Exception) { return; } // the store is away: the wake's first write after it will tell
        self.Tell(new RetryCatalog(card, 0));
    }

    /// <summary>The catalog is what listings and the replicas go by: a version's card is written again, while that version
    /// serves, until it takes; the entity does not passivate meanwhile (the retry would be lost with it).</summary>
    private void OnCatalogWriteFailed(CatalogWriteEnded m)
    {
        var delay = TimeSpan.FromSeconds(1 << Math.Min(m.Attempt, 5));
        _log.Warning("model {0}: catalog update failed: {1}; retrying in {2:0} s", _id, m.Error, delay.TotalSeconds);
        _catalogRetry = true;
        Timers.StartSingleTimer("catalog-retry", new RetryCatalog(m.Card, m.Attempt + 1), delay);
    }

    /// <summary>The node-wide set of labels with an accepted, unfinished training: woken when a node leaves.</summary>
    private async Task InFlight(bool add)
    {
        try
        {
            if (add) await _rt.TrainingsInFlight.AddAsync(_id);
            else await _rt.TrainingsInFlight.RemoveAsync(_id);
        }
        catch (Exception ex) { _log.Warning("model {0}: in-flight trainings set update failed: {1}", _id, ex.Message); }
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
        catch (Exception e) when (ModelFailed.Unreadable(_id, e, requestId) is { } refused)
        {
            Sender.Tell(refused);
        }
        catch (Exception e) // a parser fault must not restart the entity (and with it a running training): the caller hears it
        {
            _log.Error(e, "model {0}: reading a request failed unexpectedly", _id);
            Sender.Tell(new ModelFailed(_id, "bad-request", $"the request could not be read: {e.Message}",
                [new RequestIssue("request", $"could not be read ({e.GetType().Name}: {e.Message})")], requestId));
        }
        request = null!;
        warnings = [];
        return false;
    }

    private sealed record RetryCatalog(ModelCard Card, int Attempt);
    private sealed record CatalogWriteEnded(ModelCard Card, int Attempt, string? Error);
    /// <summary>A trained version on its way to serving: event written, snapshot being saved.</summary>
    private sealed record PendingSwap(TrainingJob Job, StoredModelSnapshot Snapshot, TrainingOutcome Outcome, TrainedModel Model);

    /// <summary>A forget in progress: who waits for it and the snapshot deletion it issues once the events are gone.</summary>
    private sealed record ForgetRun(List<(IActorRef ReplyTo, RequestOrigin? Origin)> Waiting, SnapshotSelectionCriteria Snapshots,
        long HighestVersion);
}
