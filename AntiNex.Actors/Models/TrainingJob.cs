// One training of a label, from the request's arrival to its reply: queued behind the label's running training,
// then handed to the node's training slots (TrainingScheduler) and run on a dedicated thread. Its result comes back
// to the entity as a message carrying the job's id, so a result of a job cancelled meanwhile is recognised and dropped.
using Akka.Actor;
using Akka.Event;
using AntiNex.Learning;
using AntiNex.Requests;

namespace AntiNex.Models;

public sealed record WaitingPredict(AntiNexRequest Request, IActorRef ReplyTo, string? RequestId);

public sealed class TrainingJob(
    AntiNexRequest request, IReadOnlyList<string> warnings, IActorRef replyTo, IActorRef? progressTo, string? requestId,
    bool forPredict, RequestOrigin? origin, DateTimeOffset? deadlineUtc)
{
    private readonly CancellationTokenSource _cts = new();
    private IActorRef? _progressTo = progressTo;

    public Guid RunId { get; } = Guid.NewGuid();
    public AntiNexRequest Request { get; } = request;
    public IReadOnlyList<string> Warnings { get; } = warnings;
    /// <summary>Who gets the reply; a re-sent request with the same id takes the job over (the job is not run twice).</summary>
    public IActorRef ReplyTo { get; set; } = replyTo;
    /// <summary>Where progress goes; set by a re-send that takes the job over, also while the job runs.</summary>
    public IActorRef? ProgressTo
    {
        get => Volatile.Read(ref _progressTo); // read by the training thread
        set => Volatile.Write(ref _progressTo, value);
    }
    public string? RequestId { get; } = requestId;
    /// <summary>Started by a predict on a never-trained label: the reply is the prediction, not the training report.</summary>
    public bool ForPredict { get; } = forPredict;
    public RequestOrigin? Origin { get; } = origin;
    /// <summary>The caller's total deadline: past it, nobody waits for the result and the job is cancelled.</summary>
    public DateTimeOffset? DeadlineUtc { get; } = deadlineUtc;
    /// <summary>queued (behind the label's running training or for a node slot), starting, training.</summary>
    public string State { get; set; } = "queued";
    /// <summary>Predicts on a never-trained label that arrived during its first training: answered after it.</summary>
    public List<WaitingPredict> WaitingPredicts { get; } = [];
    /// <summary>Its "accepted" event is in the journal: the label's next holder runs it again unless it ends here.</summary>
    public bool Accepted { get; set; }
    /// <summary>Accepted by an earlier holder of the label, run again here: its caller is not watched (it may be gone).</summary>
    public bool Resumed { get; init; }

    /// <summary>The job goes on when its caller's process ends (<see cref="TrainModel.OutlivesCaller"/>).</summary>
    public bool OutlivesCaller { get; set; }

    /// <summary>The caller whose end (a gateway process that exits) cancels the job: watched while it is pending.</summary>
    public bool HasWatchableCaller => !Resumed && !OutlivesCaller && !ReplyTo.IsNobody();

    public bool DeadlinePassed(DateTimeOffset now) => DeadlineUtc is { } d && d <= now;

    public void Cancel()
    {
        try { _cts.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Hands the job to the node's training slots; the outcome is piped to <paramref name="entity"/> as
    /// <see cref="TrainingFinished"/> or <see cref="TrainingCrashed"/>.</summary>
    public void Launch(string label, ModelRuntime rt, IActorRef entity, ILoggingAdapter log)
    {
        var token = _cts.Token;
        var progress = new ProgressRelay(() => ProgressTo, label, RequestId, rt.ProgressInterval);
        var runId = RunId;
        var id = RequestId;
        var request = Request;
        log.Info("model {0}: training requested (request {1})", label, RequestId ?? "-");
        State = "queued";
        rt.Scheduler.Run(ct =>
            {
                var outcome = TrainingEngine.Train(request, rt.DataRoots, rt.EngineOptions, progress, ct);
                var model = TrainedModel.Load(outcome.Artifact, rt.EngineOptions);
                if (ct.IsCancellationRequested)
                {
                    model.Dispose();
                    ct.ThrowIfCancellationRequested();
                }
                return new TrainingFinished(runId, outcome, model);
            },
            queued: position =>
            {
                // Called synchronously, on the entity's thread, before the job waits for a node slot.
                State = position == 0 ? "starting" : "queued";
                ProgressTo?.Tell(new TrainingQueued(label, position, id));
            },
            started: () =>
            {
                ProgressTo?.Tell(new TrainingStarted(label, rt.NodeName, id));
                entity.Tell(new TrainingRunning(runId));
            },
            token)
            .PipeTo(entity, success: r => r, failure: ex => new TrainingCrashed(runId, ex));
    }

    /// <summary>The reply for a training that ended with <paramref name="error"/>; <paramref name="keep"/> says what
    /// still serves.</summary>
    public ModelFailed FailureOf(string label, Exception error, string keep)
    {
        error = error is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerExceptions[0] : error;
        return error switch
        {
            RequestException re => new ModelFailed(label, "bad-request", re.Message, re.Issues, RequestId),
            OperationCanceledException => ModelFailed.Of(label, "cancelled", $"training of '{label}' was cancelled{keep}", RequestId),
            ArtifactException ae => ModelFailed.Of(label, "artifact", $"trained artifact could not be loaded: {ae.Message}{keep}", RequestId),
            _ => ModelFailed.Of(label, "training-failed", $"training failed: {error.GetType().Name}: {error.Message}{keep}", RequestId),
        };
    }
}

// Local-only messages a training job sends back to its entity.
public sealed record TrainingRunning(Guid RunId);
public sealed record TrainingFinished(Guid RunId, TrainingOutcome Outcome, TrainedModel Model) : IHandsOverTrainedModel;
public sealed record TrainingCrashed(Guid RunId, Exception Error);
public sealed record TrainingDeadline(Guid RunId);
