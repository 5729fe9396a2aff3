// The engine's entry points, relied upon by AntiNex.Actors/Models and AntiNex.Gateway: implementations may change
// freely and members may be added, but do not rename or remove. Knows nothing of Akka.
using AntiNex.Data;
using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>Trains a network for a request. Stateless; thread-safe.</summary>
public static class TrainingEngine
{
    /// <summary>
    /// Loads the data the request names (dataset / predict_rows), fits scaler + network on the training split only,
    /// cross-validates, evaluates on the held-out split (or test_dataset), and returns the artifact and the report.
    /// Throws <see cref="RequestException"/> (naming fields) for bad input, OperationCanceledException on cancel, and
    /// <see cref="TimeoutException"/> ("cancelled: wall time limit ...") past <see cref="EngineLimits.MaxTrainingTime"/>.
    /// </summary>
    public static TrainingOutcome Train(AntiNexRequest request, DataRoots roots, EngineOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
        => WithinWallTime(options, cancellationToken, ct => new TrainingRun(request, roots, options, progress, ct).Run());

    /// <summary>
    /// A search trial's score: k-fold CV (request.num_splits >= 2) on the training rows only. The test_dataset file is
    /// never opened; no final fit, no artifact. Score per fold: accuracy % (classification) or MSE (regression).
    /// </summary>
    public static TrainingReport CrossValidate(AntiNexRequest request, DataRoots roots, EngineOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
        => WithinWallTime(options, cancellationToken,
            ct => new TrainingRun(request, roots, options with { CrossValidationOnly = true }, progress, ct).Run().Report);

    /// <summary>Runs a training under the wall time limit: past it, the training is cancelled (it checks every batch)
    /// and the caller gets a TimeoutException saying so; the caller's own cancellation stays an OperationCanceledException.</summary>
    private static T WithinWallTime<T>(EngineOptions options, CancellationToken cancellationToken, Func<CancellationToken, T> train)
    {
        var limit = options.EffectiveLimits.MaxTrainingTime;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        try { return train(deadline.Token); }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"cancelled: wall time limit of {limit} per training reached (EngineLimits.MaxTrainingTime)");
        }
    }
}
