namespace AntiNex.Reporting;

public sealed record FoldScore(int Fold, double Score, int TrainRows, int TestRows)
{
    /// <summary>ensemble.folds: what the fold network's fit did (null for the plain CV, whose networks are discarded).</summary>
    public int? EpochsRun { get; init; }
    public int? BestEpoch { get; init; }
    public int? ValidationRows { get; init; }
}
