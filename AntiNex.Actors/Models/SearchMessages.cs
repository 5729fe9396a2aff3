// Messages of a model search between a gateway's search coordinator and the nodes' trial runners. Requests travel as
// AntiNex JSON text; results are CV scores (never artifacts). All bound to AntiNexSerializer.
using Akka.Actor;
using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Models;

/// <summary>Asks a node's trial runner for its capacity; it replies <see cref="TrialRunnerInfo"/> to the sender.</summary>
public sealed record TrialRunnerQuery : IAntiNexMessage
{
    public static readonly TrialRunnerQuery Instance = new();
}

/// <summary>A runner's node and its training slots (the node's TrainingScheduler concurrency).</summary>
public sealed record TrialRunnerInfo(string Node, int Slots) : IAntiNexMessage;

/// <summary>Cross-validate one trial request on the training data only. Replies go to <see cref="Coordinator"/>.</summary>
public sealed record RunTrial(string SearchId, int Trial, string RequestJson, IActorRef Coordinator) : IAntiNexMessage;

/// <summary>The trial got a training slot and started.</summary>
public sealed record TrialStarted(string SearchId, int Trial, string Node) : IAntiNexMessage;

/// <summary>The trial's CV scores (accuracy % per fold, or MSE per fold for regression).</summary>
public sealed record TrialScored(string SearchId, int Trial, string Node, IReadOnlyList<FoldScore> Folds, double CvMean, double CvStd,
    double Seconds, IReadOnlyList<string> Warnings) : IAntiNexMessage;

/// <summary>The trial failed (bad-request, cancelled, training-failed), with the request fields at fault.</summary>
public sealed record TrialFailed(string SearchId, int Trial, string Node, string Code, string Message, IReadOnlyList<RequestIssue> Issues)
    : IAntiNexMessage;

/// <summary>Stop every trial of the search on this node (the search ended or was abandoned).</summary>
public sealed record CancelTrials(string SearchId) : IAntiNexMessage;
