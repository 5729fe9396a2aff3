using AntiNex.Requests;

namespace AntiNex.Learning;

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
    /// <summary>Resource limits for this engine's trainings and predicts; null uses <see cref="EngineLimits.Current"/>.</summary>
    public EngineLimits? Limits { get; init; }
    /// <summary>Transform each split of the final fit into its own matrix, with the raw file kept, instead of one matrix of the
    /// whole file whose splits are row indexes (<see cref="DatasetMatrix"/>). Same model, about twice the memory; for comparisons.</summary>
    public bool CopySplits { get; init; }
    /// <summary>Forward passes of a few rows through a loaded network in managed code (<see cref="ManagedForward"/>), not
    /// TorchSharp: the same outputs within float rounding, without a dozen native calls and the model's lock per request.</summary>
    public bool SmallForwardsInManagedCode { get; init; }
    public EngineLimits EffectiveLimits => Limits ?? EngineLimits.Current;
}
