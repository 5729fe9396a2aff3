namespace AntiNex.Learning;

/// <summary>What predict needs of the novelty detector besides its weights.</summary>
/// <param name="NormalClass">class index of normal traffic; a row flagged novel is never decoded as this class.</param>
/// <param name="Hidden">encoder widths (the decoder mirrors them).</param>
/// <param name="Threshold">reconstruction error above which a row is flagged.</param>
internal sealed record NoveltyState(int NormalClass, IReadOnlyList<int> Hidden, double Threshold, double MaxFpr);
