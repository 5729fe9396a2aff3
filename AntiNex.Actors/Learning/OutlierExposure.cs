namespace AntiNex.Learning;

/// <summary>
/// Outlier exposure for a binary classifier: synthetic rows that do not look like normal traffic, labelled as the attack
/// class, added to the fitting rows, one per normal fitting row. Each is a normal fitting row with a share of its features
/// replaced: a one-column numeric feature by a value drawn uniformly over the fitting rows' range, a categorical (or
/// binned) feature by another fitting row's. The smaller the share, the closer the synthetic rows come to normal traffic:
/// more new kinds caught, more normal rows at risk. The classifier then learns where normal traffic lives, not only where
/// the known attacks are, so traffic unlike both (an attack kind absent from training) leans to "attack". Uses the fitting
/// rows only; deterministic for a seed.
/// </summary>
internal static class OutlierExposure
{
    /// <param name="groups">the input columns of each feature, in order (a categorical feature's one-hot columns are one group).</param>
    /// <param name="share">the share of a synthetic row's features replaced (at least one); 0 = no synthetic rows.</param>
    /// <param name="ratio">synthetic rows per normal fitting row.</param>
    public static TensorData Augment(TensorData train, IReadOnlyList<int> groupWidths, int normal, int attack, double share, long seed,
        double ratio = 1)
    {
        if (share is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(share), share, "a share of the features, in [0, 1]");
        ArgumentOutOfRangeException.ThrowIfNegative(ratio);
        var classes = train.Classes ?? throw new ArgumentException("outlier exposure needs class labels");
        int w = train.Width, rows = train.Rows;
        if (groupWidths.Sum() != w) throw new ArgumentException($"the feature groups cover {groupWidths.Sum()} columns, the rows have {w}");
        var normals = Enumerable.Range(0, rows).Where(i => classes[i] == normal).ToArray();
        int extra = (int)Math.Round(ratio * normals.Length);
        if (extra == 0 || share == 0 || normals.Length == 0) return train;
        var starts = new int[groupWidths.Count];
        for (int g = 1; g < starts.Length; g++) starts[g] = starts[g - 1] + groupWidths[g - 1];
        var (lo, hi) = Ranges(train);
        int replaced = Math.Max(1, (int)Math.Round(share * groupWidths.Count));
        var x = new float[ArrayCells.Of((long)rows + extra, w, "outlier_exposure", "inputs (the rows and their synthetic rows)")];
        var y = new int[rows + extra];
        for (int i = 0; i < rows; i++)
        {
            train.X.AsSpan(train.RowOf(i) * w, w).CopyTo(x.AsSpan(i * w, w));
            y[i] = classes[i];
        }
        var rng = new Random(unchecked((int)seed) ^ 0x5eed);
        var order = Enumerable.Range(0, groupWidths.Count).ToArray();
        for (int s = 0; s < extra; s++)
        {
            int row = rows + s;
            var target = x.AsSpan(row * w, w);
            train.X.AsSpan(train.RowOf(normals[rng.Next(normals.Length)]) * w, w).CopyTo(target);
            y[row] = attack;
            rng.Shuffle(order);
            foreach (var g in order.AsSpan(0, replaced))
            {
                int at = starts[g], width = groupWidths[g];
                if (width == 1) target[at] = lo[at] + (float)rng.NextDouble() * (hi[at] - lo[at]);
                else train.X.AsSpan(train.RowOf(rng.Next(rows)) * w + at, width).CopyTo(target.Slice(at, width));
            }
        }
        return new TensorData(x, rows + extra, w, y, null);
    }

    private static (float[] Lo, float[] Hi) Ranges(TensorData d)
    {
        int w = d.Width;
        var lo = new float[w];
        var hi = new float[w];
        Array.Fill(lo, float.MaxValue);
        Array.Fill(hi, float.MinValue);
        for (int i = 0; i < d.Rows; i++)
        {
            var r = d.X.AsSpan(d.RowOf(i) * w, w);
            for (int j = 0; j < w; j++)
            {
                lo[j] = Math.Min(lo[j], r[j]);
                hi[j] = Math.Max(hi[j], r[j]);
            }
        }
        return (lo, hi);
    }
}
