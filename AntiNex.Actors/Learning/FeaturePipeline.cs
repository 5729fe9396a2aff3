using System.Globalization;
using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>
/// Feature transform fitted on the TRAINING rows only (the original fitted its scaler on the whole file, test rows
/// included): signed log1p for log_features, min-max to [lo, hi] when apply_scaler (sklearn formula; a constant column
/// maps to lo), one-hot for categorical features with an "other" bucket. Immutable once fitted; serialised in the artifact.
/// </summary>
public sealed record FeaturePipeline
{
    public IReadOnlyList<FeatureSpec> Features { get; init; } = [];
    public bool Scale { get; init; }
    public double Lo { get; init; } = -1;
    public double Hi { get; init; } = 1;
    /// <summary>minmax (the original's), standard, robust or quantile. Old artifacts have no kind: minmax.</summary>
    public string Kind { get; init; } = "minmax";
    /// <summary>
    /// Out-of-range rule: a numeric input is clipped to its training range widened by this many training ranges on
    /// each side, in network units (after log1p and scaling; a range narrower than 1 counts as 1). So 1e308 and
    /// Infinity give a finite input instead of an overflow; at predict time a row holding such a value is also
    /// answered as an alarm (see <see cref="InputGuard"/>). Artifacts stored before the rule load with this default.
    /// </summary>
    public double ClipRanges { get; init; } = DefaultClipRanges;
    public const double DefaultClipRanges = 10;
    public int Width => Features.Sum(f => f.Width);

    /// <summary>Inputs one categorical feature may have, besides "other". A column of addresses or ids (tens of thousands of
    /// values) would otherwise one-hot into a matrix of gigabytes; a port or service column keeps its frequent values.</summary>
    public const int MaxCategories = 256;

    /// <summary>The fitting rows' values in ordinal order; past <see cref="MaxCategories"/> the most frequent ones (ties by
    /// name), the rest reading as "other". Row order never changes it.</summary>
    private static List<string> Vocabulary(string[] column, IReadOnlyList<int> rows)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in rows) counts[column[r]] = counts.GetValueOrDefault(column[r]) + 1;
        var kept = counts.Count <= MaxCategories ? counts.Keys
            : counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(MaxCategories).Select(kv => kv.Key);
        return kept.Order(StringComparer.Ordinal).ToList();
    }

    public static FeaturePipeline Fit(Frame frame, IReadOnlyList<int> rows, IReadOnlyList<string> features, AntiNexRequest request)
    {
        var specs = new List<FeatureSpec>();
        var q = request.Quality;
        double[]? values = null; // one buffer for every column: a large file's fit leaves no column-sized garbage behind
        foreach (var name in features)
        {
            if (request.CategoricalFeatures.Contains(name))
            {
                specs.Add(new FeatureSpec { Name = name, Categorical = true, Vocabulary = Vocabulary(frame.Text[name], rows) });
            }
            else
            {
                var col = frame.Numeric[name];
                bool log = request.LogFeatures.Contains(name) || (request.LogFeaturesAuto && IsHeavyTailed(col, rows));
                values ??= new double[rows.Count];
                for (int i = 0; i < values.Length; i++) values[i] = log ? SignedLog1p(col[rows[i]]) : col[rows[i]];
                double min = values.Length > 0 ? values.Min() : 0, max = values.Length > 0 ? values.Max() : 0;
                var spec = new FeatureSpec { Name = name, Log = log, Min = min, Max = max, Dropped = q.ScalerGiven && min == max };
                spec = q.Scaler switch
                {
                    "standard" => spec with { Center = values.Average(), Spread = Std(values) },
                    "robust" => RobustSpec(spec, values),
                    "quantile" or "quantile_normal" => spec with { Quantiles = QuantilePoints(values) },
                    "ple" => spec with { Edges = PiecewiseLinear.Edges(values) },
                    _ => spec,
                };
                specs.Add(spec);
            }
        }
        var pipeline = new FeaturePipeline
        {
            Features = specs, Scale = request.ApplyScaler || q.ScalerGiven, Lo = request.MinScalerRange, Hi = request.MaxScalerRange,
            Kind = q.Scaler,
        };
        // Every feature constant (and dropped as such): a model of zero inputs, which a learner refuses with its own message.
        if (pipeline.Width == 0 && rows.Count > 0)
            throw new RequestException("features_to_process",
                $"every feature ({string.Join(", ", features)}) holds one value on the training rows: nothing to learn from");
        return pipeline;
    }

    /// <summary>
    /// log_features "auto" (training rows only): non-negative, wide (max >= 100) and heavy-tailed: the max is more than
    /// 50 times the median (plus one), or the skewness exceeds 3. Byte and packet counters qualify; bounded rates do not.
    /// </summary>
    internal static bool IsHeavyTailed(NumericColumn col, IReadOnlyList<int> rows)
    {
        if (rows.Count < 3) return false;
        var v = new double[rows.Count];
        for (int i = 0; i < v.Length; i++) v[i] = col[rows[i]];
        double min = v.Min(), max = v.Max();
        if (min < 0 || max < 100) return false;
        Array.Sort(v);
        if (max > 50 * (Quantile(v, 0.5) + 1)) return true;
        double mean = v.Average(), m2 = 0, m3 = 0;
        foreach (var x in v) { var d = x - mean; m2 += d * d; m3 += d * d * d; }
        m2 /= v.Length; m3 /= v.Length;
        return m2 > 0 && m3 / Math.Pow(m2, 1.5) > 3;
    }

    private static double Std(double[] v)
    {
        if (v.Length == 0) return 1;
        var mean = v.Average();
        var sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
        return sd > 0 ? sd : 1;
    }

    private static double Quantile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return 0;
        var pos = p * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static FeatureSpec RobustSpec(FeatureSpec spec, double[] values)
    {
        var sorted = values.Order().ToArray();
        var iqr = Quantile(sorted, 0.75) - Quantile(sorted, 0.25);
        if (iqr <= 0) iqr = spec.Max - spec.Min; // mostly-constant counters: fall back to the range
        return spec with { Center = Quantile(sorted, 0.5), Spread = iqr > 0 ? iqr : 1 };
    }

    private static double[] QuantilePoints(double[] values)
    {
        var sorted = values.Order().ToArray();
        return Enumerable.Range(0, 101).Select(i => Quantile(sorted, i / 100.0)).ToArray();
    }

    /// <summary>Position of v among the training quantiles, in [0, 1] (ties: the middle of the tied run).</summary>
    private static double QuantileRank(IReadOnlyList<double> q, double v)
    {
        int n = q.Count - 1;
        if (v <= q[0]) return v < q[0] ? 0 : UpperIndex(q, v) / 2.0 / n;
        if (v >= q[n]) return v > q[n] ? 1 : (LowerIndex(q, v) + n) / 2.0 / n;
        int lo = LowerIndex(q, v);
        if (q[lo] == v) return (lo + UpperIndex(q, v)) / 2.0 / n;
        int below = lo - 1; // q[below] < v < q[lo]
        return (below + (v - q[below]) / (q[lo] - q[below])) / n;
    }

    /// <summary>Inverse standard-normal CDF (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    internal static double NormalQuantile(double p)
    {
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
            2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
            2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) return -NormalQuantile(1 - p);
        var r = p - 0.5;
        var t = r * r;
        return (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * r / (
            ((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1);
    }

    private static int LowerIndex(IReadOnlyList<double> q, double v) { int i = 0; while (i < q.Count && q[i] < v) i++; return i; }
    private static int UpperIndex(IReadOnlyList<double> q, double v) { int i = q.Count - 1; while (i > 0 && q[i] > v) i--; return i; }

    /// <summary>log1p that keeps the sign, so the -1 "absent" marks of AntiNex CSVs stay finite.</summary>
    public static double SignedLog1p(double v) => v >= 0 ? Math.Log(1 + v) : -Math.Log(1 - v);

    /// <summary>A raw value as the network sees it: log1p, scaled, then clipped (see <see cref="ClipRanges"/>). NaN stays NaN:
    /// a row holding it cannot be scored (see <see cref="InputGuard"/>).</summary>
    public double ScaleValue(FeatureSpec f, double raw) => ScaleClipped(f, raw, out _);

    /// <param name="beyond">the value lay beyond the clip bound (far outside the training range) and was clipped.</param>
    private double ScaleClipped(FeatureSpec f, double raw, out bool beyond)
    {
        beyond = false;
        var v = f.Log ? SignedLog1p(raw) : raw;
        if (!Scale) return Clip(v, f.Min, f.Max, ref beyond);
        switch (Kind)
        {
            case "standard" or "robust":
                return Clip((v - f.Center) / f.Spread, (f.Min - f.Center) / f.Spread, (f.Max - f.Center) / f.Spread, ref beyond);
            // Quantile inputs are bounded by nature, but a value far beyond the training quantiles is flagged as for every
            // other scaler (its rank alone would call 1e308 the top quantile and score it); NaN stays NaN (unscorable).
            case "quantile" when f.Quantiles is { Count: > 1 } q:
                return double.IsNaN(v) ? v : Lo + (Hi - Lo) * QuantileRank(q, Clip(v, q[0], q[^1], ref beyond));
            case "quantile_normal" when f.Quantiles is { Count: > 1 } q:
                return double.IsNaN(v) ? v : NormalQuantile(Math.Clamp(QuantileRank(q, Clip(v, q[0], q[^1], ref beyond)), 1e-4, 1 - 1e-4));
        }
        var range = f.Max - f.Min;
        if (range == 0) range = 1;
        var scale = (Hi - Lo) / range;
        return Clip(v * scale + (Lo - f.Min * scale), Lo, Lo + (f.Max - f.Min) * scale, ref beyond);
    }

    /// <summary>One numeric column's inputs (one value, or one per bin with the ple scaler); true when the value lay beyond
    /// the clip bound.</summary>
    internal bool WriteNumeric(FeatureSpec f, double raw, Span<float> destination)
    {
        if (Scale && Kind == "ple" && f.Edges is { Count: >= 2 } edges)
        {
            bool far = false;
            var v = f.Log ? SignedLog1p(raw) : raw;
            v = Clip(v, edges[0], edges[^1], ref far);
            PiecewiseLinear.Encode(edges, v, destination);
            return far;
        }
        destination[0] = (float)ScaleClipped(f, raw, out var beyond);
        return beyond;
    }

    /// <summary>Clips to [lo, hi] widened by <see cref="ClipRanges"/> times the range on each side; NaN passes through.</summary>
    private double Clip(double v, double lo, double hi, ref bool beyond)
    {
        var margin = ClipRanges * Math.Max(hi - lo, 1);
        if (v < lo - margin) { beyond = true; return lo - margin; }
        if (v > hi + margin) { beyond = true; return hi + margin; }
        return v;
    }

    /// <summary>Row-major [rows x Width] float32 matrix of the given frame rows.</summary>
    /// <param name="beyond">when given (one per row), set for rows with a value beyond the clip bound.</param>
    public float[] Transform(Frame frame, IReadOnlyList<int> rows, bool[]? beyond = null)
    {
        var x = new float[Cells(rows.Count)];
        TransformInto(frame, rows, x, beyond);
        return x;
    }

    /// <summary><see cref="Transform"/> into a given (zeroed) block of rows.Count x Width values, e.g. part of a larger matrix.</summary>
    public void TransformInto(Frame frame, IReadOnlyList<int> rows, Span<float> x, bool[]? beyond = null)
    {
        int width = Width;
        int offset = 0;
        foreach (var f in Features)
        {
            if (f.Dropped) continue;
            if (f.Categorical)
            {
                var col = frame.Text[f.Name];
                var index = VocabIndex(f);
                for (int i = 0; i < rows.Count; i++)
                    x[i * width + offset + (Lookup(index, col[rows[i]]) ?? f.Vocabulary.Count)] = 1f;
            }
            else
            {
                var col = frame.Numeric[f.Name];
                for (int i = 0; i < rows.Count; i++)
                {
                    bool far = WriteNumeric(f, col[rows[i]], x.Slice(i * width + offset, f.Width));
                    if (far && beyond is not null) beyond[i] = true;
                }
            }
            offset += f.Width;
        }
    }

    /// <summary>
    /// Warnings for categorical cells of a frame to predict that the training rows never held ("TCP" where they wrote
    /// "tcp", a new service): such a cell reads as the feature's "other" input, so it is said, naming the values. A
    /// feature whose vocabulary was capped is left out: its training rows held other values too. Empty cells are counted,
    /// not listed as a value: they are a gap in the row, not a new category, and a short row's warning already names them.
    /// </summary>
    public IEnumerable<string> UnseenCategoryWarnings(Frame frame, string field) => UnseenCategories(frame).Select(u => u.Warning(field));

    /// <summary>What <see cref="UnseenCategoryWarnings"/> says, as counts: a predict sent in blocks adds them up.</summary>
    public IReadOnlyList<UnseenCategory> UnseenCategories(Frame frame)
    {
        var unseen = new List<UnseenCategory>();
        foreach (var f in Features.Where(f => f.Categorical && !f.Dropped && f.Vocabulary.Count < MaxCategories && frame.Has(f.Name)))
        {
            var counts = CountUnseen(VocabIndex(f), frame.Text[f.Name], out long empty, out long total);
            if (total == 0) continue;
            unseen.Add(new UnseenCategory(f.Name, total, empty, counts,
                f.Vocabulary.Take(UnseenCategory.HeldShown).Select(CsvLoader.Trunc).ToList(), f.Vocabulary.Count));
        }
        return unseen;
    }

    /// <summary>The cells the vocabulary lacks, by value cut as a message quotes it (at most <see cref="UnseenCategory.MaxCounted"/>
    /// values: a count per block of a predict stays small), with the empty ones and all of them counted apart. A value counted
    /// uncut is not looked up again: a miss's lookup allocates.</summary>
    private static Dictionary<string, long> CountUnseen(Dictionary<string, int> index, string[] cells, out long empty, out long total)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        empty = 0;
        total = 0;
        for (int i = 0; i < cells.Length; i++)
        {
            var v = cells[i];
            if (index.ContainsKey(v)) continue;
            var key = CsvLoader.Trunc(v);
            if (ReferenceEquals(key, v) && counts.TryGetValue(v, out var n)) { counts[v] = n + 1; total++; continue; }
            if (Lookup(index, v) is not null) continue;
            total++;
            if (v.Length == 0) empty++;
            else if (counts.TryGetValue(key, out var m)) counts[key] = m + 1;
            else if (counts.Count < UnseenCategory.MaxCounted) counts[key] = 1;
        }
        return counts;
    }

    /// <summary>rows x <see cref="Width"/> inputs as one array's length, refused (naming the sizes) past what an array holds:
    /// the product of two ints wrapped around and threw an unrelated error.</summary>
    private int Cells(int rows)
    {
        long cells = (long)rows * Width;
        return cells <= Array.MaxLength ? (int)cells
            : throw new RequestException("predict_rows", $"{rows:N0} rows x {Width:N0} network inputs is more than one block holds; " +
                "predict fewer rows at a time");
    }

    /// <summary>The category a number given for a categorical input stands for: its invariant round-trip text ("6", "0.5").</summary>
    public static string CategoryOf(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Raw rows (one double per input feature, in Features order; categorical values as numbers) to a matrix.</summary>
    /// <param name="beyond">when given (one per row), set for rows with a value beyond the clip bound.</param>
    public float[] TransformRaw(IReadOnlyList<double[]> rows, bool[]? beyond = null)
    {
        int width = Width;
        var x = new float[Cells(rows.Count)];
        var indexes = Features.Select(f => f.Categorical ? VocabIndex(f) : null).ToArray();
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Length != Features.Count)
                throw new ArgumentException(
                    $"row {i} has {row.Length} values; the model takes {Features.Count} ({string.Join(", ", Features.Select(f => f.Name))})");
            int offset = 0;
            for (int j = 0; j < Features.Count; j++)
            {
                var f = Features[j];
                if (f.Dropped) continue;
                if (f.Categorical)
                {
                    var key = CategoryOf(row[j]);
                    x[i * width + offset + (indexes[j]!.TryGetValue(key, out var k) ? k : f.Vocabulary.Count)] = 1f;
                }
                else
                {
                    bool far = WriteNumeric(f, row[j], x.AsSpan(i * width + offset, f.Width));
                    if (far && beyond is not null) beyond[i] = true;
                }
                offset += f.Width;
            }
        }
        return x;
    }

    /// <summary>A category's index: its text as written, else (a number written another way: "6.0", "06", "6e0") the
    /// number's canonical text; null = the "other" bucket.</summary>
    private static int? Lookup(Dictionary<string, int> index, string text)
        => index.TryGetValue(text, out var k) ? k
            : Canonical(text) is { } canonical && index.TryGetValue(canonical, out k) ? k : null;

    /// <summary>The canonical text of a cell that is a plain finite number ("6.0" -> "6"), as <see cref="CategoryOf"/> writes
    /// it; null for anything else: text with spaces, or more digits than a double holds exactly (two ids would merge).</summary>
    private static string? Canonical(string text)
    {
        if (text.Length == 0 || text.Length > 24 || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])) return null;
        if (AsciiDigits(text) > 15) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? CategoryOf(v) : null;
    }

    /// <summary>The ASCII digits of a text, counted without an enumerator: every cell the vocabulary lacks is counted.</summary>
    private static int AsciiDigits(string text)
    {
        int digits = 0;
        foreach (var c in text) if (char.IsAsciiDigit(c)) digits++;
        return digits;
    }

    private readonly Dictionary<string, Dictionary<string, int>> _vocabCache = new();
    /// <summary>The vocabulary's texts as written, then the canonical text of the numeric ones (a float column exported as
    /// "6.0" matches the number 6 given at predict time); a text written in training always keeps its own index.</summary>
    private Dictionary<string, int> VocabIndex(FeatureSpec f)
    {
        lock (_vocabCache)
        {
            if (!_vocabCache.TryGetValue(f.Name, out var d))
            {
                d = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < f.Vocabulary.Count; i++) d[f.Vocabulary[i]] = i;
                for (int i = 0; i < f.Vocabulary.Count; i++)
                    if (Canonical(f.Vocabulary[i]) is { } canonical) d.TryAdd(canonical, i);
                _vocabCache[f.Name] = d;
            }
            return d;
        }
    }
}
