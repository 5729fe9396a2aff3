namespace AntiNex.Learning;

/// <summary>Seeded train/test splits and k-fold assignment (stratified for classification).</summary>
public static class Splits
{
    /// <summary>Shuffled split; per class when <paramref name="classes"/> is given. Test count per group = round(test_size * n), at least 1 when n >=
    /// 2.</summary>
    public static (int[] Train, int[] Test) TrainTest(int n, double testSize, int seed, IReadOnlyList<int>? classes)
    {
        var rng = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        IEnumerable<int[]> groups = classes is null
            ? [Enumerable.Range(0, n).ToArray()]
            : Enumerable.Range(0, n).GroupBy(i => classes[i]).OrderBy(g => g.Key).Select(g => g.ToArray());
        foreach (var g in groups)
        {
            rng.Shuffle(g);
            int t = (int)Math.Round(testSize * g.Length, MidpointRounding.AwayFromZero);
            if (g.Length >= 2) t = Math.Clamp(t, 1, g.Length - 1);
            else t = 0;
            test.AddRange(g.Take(t));
            train.AddRange(g.Skip(t));
        }
        // Interleave the classes again (seeded), so batches are not class-sorted.
        var tr = train.ToArray(); rng.Shuffle(tr);
        var te = test.ToArray(); Array.Sort(te);
        return (tr, te);
    }

    /// <summary>Fold index (0..k-1) per position; stratified: each class's members are dealt to folds in turn.</summary>
    public static int[] KFold(int n, int k, IReadOnlyList<int>? classes, int seed)
    {
        var fold = new int[n];
        var rng = new Random(seed + 7919);
        IEnumerable<int[]> groups = classes is null
            ? [Enumerable.Range(0, n).ToArray()]
            : Enumerable.Range(0, n).GroupBy(i => classes[i]).OrderBy(g => g.Key).Select(g => g.ToArray());
        int offset = 0;
        foreach (var g in groups)
        {
            rng.Shuffle(g);
            for (int i = 0; i < g.Length; i++) fold[g[i]] = (i + offset) % k;
            offset += g.Length; // keeps fold sizes balanced across classes
        }
        return fold;
    }
}
