namespace AntiNex.Learning;

/// <summary>A network's outputs on exported rows: raw outputs, the decoded class (model threshold applied), and the
/// positive-class score (binary) for ROC AUC.</summary>
public sealed record NetworkScores(float[] Outputs, int OutputsPerRow, int[] Predicted, double[]? PositiveScore, double? Threshold)
{
    /// <summary>Rows the model's novelty detector flags (null without one), and the class index a flagged row is given.
    /// Lets a benchmark put the same detector on top of another classifier.</summary>
    public bool[]? Novel { get; init; }
    public int? NovelClass { get; init; }
}
