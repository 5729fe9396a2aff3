// The learning engine's public surface. Knows nothing of Akka: the model actors call it, tests call it directly.
// Every type here that crosses the cluster (reports, predictions, progress) is a plain, System.Text.Json-serialisable record.
using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>One progress tick: data loading, a CV fold's epoch, or the final fit's epoch.</summary>
public sealed record TrainingProgress(
    string Phase,          // "load" | "cv" | "fit" | "evaluate"
    int Fold, int Folds,   // 0/0 outside cross-validation
    int Epoch, int Epochs,
    double Loss, double? Accuracy, double? ValLoss, double? ValAccuracy,
    string? Message = null);

/// <summary>Engine-wide knobs that are not part of a request.</summary>
public sealed record EngineOptions
{
    /// <summary>torch.set_num_threads for training and inference; 0 leaves torch's default.</summary>
    public int TorchThreads { get; init; }
    /// <summary>Folder to write training-curve / confusion-matrix PNGs into; null writes none.</summary>
    public string? PlotDirectory { get; init; }
    /// <summary>Search trials: load the training data only (test_dataset is never opened), cross-validate, and return
    /// a report with Cv/CvMean/CvStd right after the folds: no final fit, no artifact.</summary>
    public bool CrossValidationOnly { get; init; }
}
