// Every message that crosses the cluster to or from a model entity. Small by design: requests travel as AntiNex JSON
// text, replies carry reports/predictions, never model artifacts (those go to the snapshot store; a serve gateway's
// local copies come from the replica keepers' artifact server, in pieces).
using Akka.Actor;
using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Models;

/// <summary>Marker bound to <c>AntiNexSerializer</c>: every type implementing it has a string manifest there.</summary>
public interface IAntiNexMessage;

/// <summary>A command routed by sharding to the entity <see cref="ModelId"/> (label trimmed + lower-cased).</summary>
public interface IModelCommand : IAntiNexMessage
{
    string ModelId { get; }
}

public static class ModelIds
{
    /// <summary>The original AntiNex's buffer key: the label trimmed and lower-cased.</summary>
    public static string FromLabel(string label) => label.Trim().ToLowerInvariant();
    public static string PersistenceId(string modelId) => "model-" + modelId;
}

// ---- commands -------------------------------------------------------------------------------------------------

/// <summary>Train (or retrain) the label with an AntiNex request. Progress goes to <see cref="ProgressTo"/>;
/// the final <see cref="ModelTrainedReply"/> or <see cref="ModelFailed"/> goes to the sender. A train of a label that
/// is already training waits behind it. Past <see cref="DeadlineUtc"/> (the caller's total deadline) it is cancelled;
/// so is it when the sender stops (a gateway that exits).</summary>
/// <param name="OutlivesCaller">the training goes on when its caller's process ends (the HTTP service, whose jobs outlive
/// its restarts and are re-sent under the same id); only its deadline or a cancel stops it. Otherwise a caller that is gone
/// (a console's Ctrl-C) cancels it.</param>
public sealed record TrainModel(string ModelId, string RequestJson, IActorRef? ProgressTo = null, string? RequestId = null,
    RequestOrigin? Origin = null, DateTimeOffset? DeadlineUtc = null, bool OutlivesCaller = false) : IModelCommand;

/// <summary>Predict the rows an AntiNex request carries (predict_rows or dataset). Replies <see cref="Predicted"/>.
/// On a never-trained label a request with a dataset trains first (original AntiNex semantics), but only when
/// <see cref="MayTrain"/> says the caller may train the label; otherwise it is refused as <c>forbidden</c>, so a right to
/// predict never stores a model. <see cref="Origin"/> is who asked, for the audit trail of that training.</summary>
/// <param name="CountUnseen">the reply carries the counts behind its unseen-category warnings (<see cref="Predicted.Unseen"/>): a
/// gateway that sends a predict's rows in blocks adds them up into the warnings of the whole predict.</param>
public sealed record PredictModel(string ModelId, string RequestJson, IActorRef? ProgressTo = null, string? RequestId = null,
    DateTimeOffset? DeadlineUtc = null, RequestOrigin? Origin = null, bool MayTrain = false, bool CountUnseen = false) : IModelCommand;

/// <summary>Raw feature rows in the model's input-feature order (unscaled) as one row-major float32 matrix of
/// <see cref="Columns"/> columns: travels as compact binary (see <c>RowBlockFormat</c>), never as JSON, and is kept under
/// the remote frame by the sender (the gateway chunks). Batched inside the entity. Replies <see cref="RowsPredicted"/>.</summary>
public sealed record PredictRawRows(string ModelId, int Columns, float[] Values) : IModelCommand
{
    /// <summary>Rows given one array each (a convenience for small callers; a ragged array is refused by the entity).</summary>
    public PredictRawRows(string modelId, double[][] rows) : this(modelId, RowBlock.Width(rows), RowBlock.Flatten(rows)) { }

    public int RowCount => Columns <= 0 ? 0 : Values.Length / Columns;
}

public sealed record DescribeModel(string ModelId) : IModelCommand;

/// <summary>Node-local, from the model directory: what the running entity adds to its label's card. Replies
/// <see cref="LiveModel"/> (a few fields, not the whole description: a listing asks thousands of entities).</summary>
public sealed record DescribeLive(string ModelId) : IModelCommand;

/// <summary>Delete the model: its events and snapshots. Replies <see cref="ModelForgotten"/>.</summary>
public sealed record ForgetModel(string ModelId, RequestOrigin? Origin = null) : IModelCommand;

/// <summary>Cancel the label's queued and running trainings (each requester gets <c>cancelled</c>). A version already
/// being stored is not cancelled. Replies <see cref="TrainingCancelled"/>.</summary>
public sealed record CancelTraining(string ModelId, RequestOrigin? Origin = null, string? RequestId = null) : IModelCommand;

/// <summary>Cancel only the training submitted under request id <paramref name="Training"/>, queued or running; the
/// label's other trainings go on. A message of its own (not a field of <see cref="CancelTraining"/>): a node of an
/// earlier build cannot read it, rather than reading it as "cancel them all". Replies <see cref="TrainingCancelled"/>.</summary>
public sealed record CancelOneTraining(string ModelId, string Training, RequestOrigin? Origin = null) : IModelCommand;

/// <summary>Wakes the label's entity so that it runs again a training its previous holder accepted but did not finish
/// (sent when a node leaves or an entity hands off mid-training). No reply.</summary>
public sealed record ResumeTraining(string ModelId) : IModelCommand;

/// <summary>Sent by the shard on hand-off / by the entity on passivation: stop after cancelling a training. One that finds
/// the entity already stopped (it passivates as a failure stops it) is expected, not logged as a dead letter.</summary>
public sealed record StopEntity : IAntiNexMessage, Akka.Event.IDeadLetterSuppression
{
    public static readonly StopEntity Instance = new();
}

/// <summary>Every known model (from the catalog): its card, or its entity's own description when it is running. Sent to a
/// node's model directory. Paged: labels after <see cref="After"/> (ordinal order), at most <see cref="Limit"/> (0 = all);
/// the reply's <see cref="ModelList.Next"/> is the next page's <see cref="After"/>.</summary>
public sealed record ListModels : IAntiNexMessage
{
    public static readonly ListModels Instance = new();
    public string? After { get; init; }
    public int Limit { get; init; }
}

/// <summary>Directory to directory: which of these labels run on your node, and how (none is woken).</summary>
public sealed record ListLiveModels(IReadOnlyList<string> ModelIds) : IAntiNexMessage;

/// <summary>A running entity's state beside its label's card: the listing shows the card with these fields.</summary>
public sealed record LiveModel(string ModelId, bool Trained, long Version, bool Loaded, string State, long PredictionsServed)
    : IAntiNexMessage;

/// <summary>The running ones of a <see cref="ListLiveModels"/> on <see cref="Node"/>.</summary>
public sealed record LiveModels(string Node, IReadOnlyList<LiveModel> Models) : IAntiNexMessage;

// ---- replies --------------------------------------------------------------------------------------------------

public sealed record TrainingQueued(string Label, int Position, string? RequestId) : IAntiNexMessage;

public sealed record TrainingStarted(string Label, string Node, string? RequestId) : IAntiNexMessage;

public sealed record TrainingProgressed(string Label, TrainingProgress Progress, string? RequestId) : IAntiNexMessage;

/// <summary>A new version is trained, stored (event + snapshot) and serving.</summary>
public sealed record ModelTrainedReply(string Label, long Version, TrainingReport Report, PredictionResult? Predictions,
    string Node, IReadOnlyList<string> Warnings, string? RequestId) : IAntiNexMessage;

/// <param name="Unseen">for a <see cref="PredictModel.CountUnseen"/> request, the counts behind its unseen-category warnings
/// (empty when none); null otherwise, so a reply shown as it is does not carry them twice.</param>
public sealed record Predicted(string Label, long Version, PredictionResult Result, string Node, bool TrainedFirst,
    int SamplesOmitted, string? RequestId, IReadOnlyList<UnseenCategory>? Unseen = null) : IAntiNexMessage;

/// <summary>One predicted value per row of a <see cref="PredictRawRows"/>, in row order (binary on the wire).</summary>
public sealed record RowsPredicted(string Label, long Version, float[] Values, string Node) : IAntiNexMessage;

/// <summary>Any refusal or failure, with the request fields at fault. Code is stable for scripts
/// (bad-request, not-trained, busy, training-failed, cancelled, persistence, artifact, integrity, internal, too-large).</summary>
public sealed record ModelFailed(string Label, string Code, string Message, IReadOnlyList<RequestIssue> Issues, string? RequestId)
    : IAntiNexMessage
{
    public static ModelFailed Of(string label, string code, string message, string? requestId = null)
        => new(label, code, message, [], requestId);

    /// <summary>Why a training is cancelled at its deadline (its request's timeout), as its <c>cancelled</c> message says.</summary>
    public const string DeadlinePassed = "its deadline passed";

    /// <summary>A training cancelled because its deadline passed, not by a cancel or a forget: for a caller, a timeout.</summary>
    public bool IsDeadlineCancel() => Code == "cancelled" && Message.Contains(DeadlinePassed, StringComparison.Ordinal);

    /// <summary>The <c>bad-request</c> refusal of a request the parser refused (fields at fault, malformed JSON); null for
    /// any other exception.</summary>
    public static ModelFailed? Unreadable(string label, Exception error, string? requestId) => error switch
    {
        RequestException re => new(label, "bad-request", re.Message, re.Issues, requestId),
        System.Text.Json.JsonException je => new(label, "bad-request", $"request is not valid JSON: {je.Message}",
            [new RequestIssue(je.Path ?? "$", je.Message)], requestId),
        _ => null,
    };
}

/// <summary>Small metrics summary kept in events/snapshots and shown by describe/models. The held-out confusion matrix
/// (classes x classes counts) rides along so the model can show it later; the per-epoch history does not (size).</summary>
public sealed record ModelMetrics(
    double? Accuracy, double? Precision, double? Recall, double? F1, double? RocAuc,
    double? Mse, double? Mae, double? R2, double? CvMean, double? CvStd,
    int TrainRows, int TestRows, double TrainSeconds,
    int[][]? ConfusionMatrix = null, IReadOnlyList<string>? ClassNames = null)
{
    public static ModelMetrics From(TrainingReport r) => new(r.Accuracy, r.Precision, r.Recall, r.F1, r.RocAuc,
        r.Mse, r.Mae, r.R2, r.CvMean, r.CvStd, r.TrainRows, r.TestRows, r.TrainSeconds, r.ConfusionMatrix, r.ClassNames);
}

public sealed record ModelDescription(
    string Label, bool Trained, long Version, ModelSummary? Summary, ModelMetrics? Metrics,
    DateTimeOffset? TrainedUtc, string Node, bool Loaded, string State, long PredictionsServed) : IAntiNexMessage;

public sealed record ModelForgotten(string Label, bool Existed) : IAntiNexMessage;

/// <summary>What a <see cref="CancelTraining"/> cancelled: the running training (if any) and how many queued ones.
/// <see cref="Detail"/> says it in words (e.g. that a version being stored could not be cancelled);
/// <see cref="Storing"/>: the training asked for is already trained, its version being stored.</summary>
public sealed record TrainingCancelled(string Label, bool Running, int Queued, string Detail, string? RequestId, bool Storing = false)
    : IAntiNexMessage
{
    public bool Any => Running || Queued > 0;
}

public sealed record ModelList(IReadOnlyList<ModelDescription> Models, IReadOnlyList<string> Unreachable) : IAntiNexMessage
{
    /// <summary>Set when more labels follow: ask again with <see cref="ListModels.After"/> = this.</summary>
    public string? Next { get; init; }
}

// Persisted events and snapshots: see Stored/ (their own records, versioned manifests).
