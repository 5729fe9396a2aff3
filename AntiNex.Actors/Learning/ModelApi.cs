// CONTRACT between the learning engine and the model actors. Signatures here are relied upon by AntiNex.Actors/Models
// and AntiNex.Gateway; implementations may change freely, members may be added, but do not rename or remove.
using AntiNex.Data;
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
        => throw new NotImplementedException();
}

/// <summary>Result of one training: the serialised model (stored as a snapshot, never sent remotely) and its report.</summary>
public sealed record TrainingOutcome(byte[] Artifact, TrainingReport Report, PredictionResult? Predictions);

/// <summary>A loaded, ready-to-predict model. Owns native memory: dispose it.</summary>
public sealed class TrainedModel : IDisposable
{
    /// <summary>Loads artifact bytes; throws <see cref="ArtifactException"/> for truncated/corrupt bytes.</summary>
    public static TrainedModel Load(byte[] artifact, EngineOptions? options = null) => throw new NotImplementedException();

    /// <summary>Label, ml_type, feature layout, metrics: small, serialisable.</summary>
    public ModelSummary Summary => throw new NotImplementedException();

    /// <summary>Predicts the rows a request carries (predict_rows, or dataset), using the model's own features and scaler.</summary>
    public PredictionResult Predict(AntiNexRequest request, DataRoots roots) => throw new NotImplementedException();

    /// <summary>Raw feature rows in <see cref="ModelSummary.InputFeatures"/> order (unscaled). Batched, thread-safe.</summary>
    public float[] PredictRaw(IReadOnlyList<double[]> rows) => throw new NotImplementedException();

    public void Dispose() { }
}

public sealed class ArtifactException(string message, Exception? inner = null) : Exception(message, inner);
