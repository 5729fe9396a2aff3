namespace AntiNex.Learning;

/// <summary><see cref="TrainedModel.PredictRawDecisions"/>'s answer, per row, what a predict report's samples say: the
/// predicted value; the probability of the chosen class (null when the network's score does not back the decision: a
/// novelty call, an unscorable row, or any regression); the class name (null for regression); whether the row could not
/// be scored.</summary>
public sealed record RowDecisions(double[] Values, double?[] Probabilities, string?[] Names, bool[] Unscorable)
{
    public int Count => Values.Length;
}
