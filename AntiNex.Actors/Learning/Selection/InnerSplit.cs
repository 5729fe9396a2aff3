namespace AntiNex.Learning.Selection;

/// <summary>The selection rows: a stratified, seeded part of the training split that every candidate is scored on and
/// none is fitted on. The test rows are not an argument: they cannot take part.</summary>
internal static class InnerSplit
{
    /// <summary>Seed offset, so the selection rows differ from the validation carve (seed + 7919) of the same seed.</summary>
    private const int SeedOffset = 104_729;

    /// <param name="classes">class per row, to stratify by; null for a regression target (a plain seeded split).</param>
    public static (int[] Fit, int[] Selection) Carve(int[] trainRows, int[]? classes, double fraction, int seed)
    {
        var (fitIdx, selIdx) = Splits.TrainTest(trainRows.Length, fraction, seed + SeedOffset, classes is null ? null
            : trainRows.Select(i => classes[i]).ToArray());
        return (fitIdx.Select(i => trainRows[i]).ToArray(), selIdx.Select(i => trainRows[i]).ToArray());
    }
}
