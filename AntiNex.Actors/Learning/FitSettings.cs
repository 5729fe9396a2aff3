using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>The recipe of one network's fit: task, epochs, batch, loss, optimizer and the quality options.</summary>
internal sealed record FitSettings(TaskKind Task, int Epochs, int BatchSize, string Loss, string Optimizer, double? LearningRate, long Seed)
{
    public double WeightDecay { get; init; }
    public LrSchedule? Schedule { get; init; }
    /// <summary>Monitored on the validation passed to Fit, which must then be the validation split (never test rows).</summary>
    public EarlyStopping? EarlyStopping { get; init; }
    /// <summary>Loss weight per class index (class_weights); null = unweighted.</summary>
    public float[]? ClassWeights { get; init; }
}
