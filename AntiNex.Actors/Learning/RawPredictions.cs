namespace AntiNex.Learning;

/// <summary><see cref="TrainedModel.PredictRawFlagged"/>'s answer: one value per row, and per row whether it could not be
/// scored (answered as an alarm).</summary>
public sealed record RawPredictions(float[] Values, bool[] Unscorable)
{
    public int UnscorableCount => Unscorable.Count(u => u);
}
