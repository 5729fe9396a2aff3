// What a training run reports: test metrics, CV scores, history, timings (snake_case on the wire, see ReportJson).
namespace AntiNex.Reporting;

public sealed record TrainingReport
{
    public string Label { get; init; } = "";
    public string MlType { get; init; } = "classification";
    /// <summary>Held-out test accuracy in percent (classification); never in-sample.</summary>
    public double? Accuracy { get; init; }
    public double? Precision { get; init; }
    public double? Recall { get; init; }
    public double? F1 { get; init; }
    public double? RocAuc { get; init; }
    public int[][]? ConfusionMatrix { get; init; }
    public IReadOnlyList<string>? ClassNames { get; init; }
    public double? Mse { get; init; }
    public double? Mae { get; init; }
    public double? R2 { get; init; }
    public IReadOnlyList<FoldScore> Cv { get; init; } = [];
    public double? CvMean { get; init; }
    public double? CvStd { get; init; }
    public IReadOnlyList<EpochHistory> History { get; init; } = [];
    public int TrainRows { get; init; }
    public int TestRows { get; init; }
    /// <summary>Wall time of the whole training call (load, CV, fit, evaluation, artifact).</summary>
    public double TrainSeconds { get; init; }
    /// <summary>Final fit: training rows x epochs / training-loop seconds (per-epoch validation excluded).</summary>
    public double RowsPerSecond { get; init; }
    /// <summary>Final fit wall time (the novelty detector's fit included), and the part of it spent on the per-epoch validation pass.</summary>
    public double FitSeconds { get; init; }
    public double ValidationSeconds { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyList<string> Plots { get; init; } = [];

    // ---- quality extensions (additive) ----
    /// <summary>Rows carved from the training split for validation (early stopping, schedules, threshold); 0 = none.</summary>
    public int ValidationRows { get; init; }
    /// <summary>Epochs actually run by the final fit, and the restored best epoch when early stopping is on.</summary>
    public int? EpochsRun { get; init; }
    public int? BestEpoch { get; init; }
    /// <summary>Binary decision threshold used by predict (0.5 unless chosen or fixed: see <see cref="ThresholdRule"/>).</summary>
    public double? Threshold { get; init; }
    public string? ThresholdRule { get; init; }
    /// <summary>Binary test metrics at 0.5 and at the chosen threshold (the headline metrics use the chosen one).</summary>
    public OperatingPoint? AtHalf { get; init; }
    public OperatingPoint? AtThreshold { get; init; }
    /// <summary>Per-class test metrics (classification) and their macro-F1.</summary>
    public IReadOnlyList<ClassMetrics>? PerClass { get; init; }
    public double? MacroF1 { get; init; }
    /// <summary>Number of networks averaged (ensemble.seeds, or ensemble.folds: K); 1 = a single network.</summary>
    public int EnsembleSize { get; init; } = 1;
    /// <summary>Novelty detector (request field novelty): its reconstruction-error threshold, the test rows it alone
    /// flagged as attacks (the network said normal), and the normal rows it was fitted / thresholded on. The headline
    /// metrics include it; <see cref="AtThreshold"/> is the network alone.</summary>
    public NoveltyReport? Novelty { get; init; }
    /// <summary>The kind of model served (request field model_kind): network, fast_tree or light_gbm.</summary>
    public string ModelKind { get; init; } = "network";
    /// <summary>model_kind "auto": the candidates, their validation scores on training rows only, and the winner.</summary>
    public SelectionReport? Selection { get; init; }
}
