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
    /// Throws <see cref="RequestException"/> (naming fields) for bad input, OperationCanceledException on cancel.
    /// </summary>
    public static TrainingOutcome Train(AntiNexRequest request, DataRoots roots, EngineOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
        => new TrainingRun(request, roots, options, progress, cancellationToken).Run();

    /// <summary>
    /// A search trial's score: k-fold CV (request.num_splits >= 2) on the training rows only. The test_dataset file is
    /// never opened; no final fit, no artifact. Score per fold: accuracy % (classification) or MSE (regression).
    /// </summary>
    public static TrainingReport CrossValidate(AntiNexRequest request, DataRoots roots, EngineOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
        => new TrainingRun(request, roots, options with { CrossValidationOnly = true }, progress, cancellationToken).Run().Report;
}
