namespace AntiNex.Learning;

/// <summary>What early stopping / the schedule did during one fit.</summary>
internal sealed record FitInfo(int EpochsRun, int? BestEpoch, double FinalLearningRate);
