using System.Globalization;
using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>One model input column, fitted on training rows: log1p flag, min/max (numeric) or vocabulary (categorical).</summary>
public sealed record FeatureSpec
{
    public string Name { get; init; } = "";
    public bool Categorical { get; init; }
    public bool Log { get; init; }
    public double Min { get; init; }
    public double Max { get; init; }
    /// <summary>Training-row values in ordinal order; one extra "other" slot follows for unseen values.</summary>
    public IReadOnlyList<string> Vocabulary { get; init; } = [];
    public int Width => Categorical ? Vocabulary.Count + 1 : 1;
}

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
    public int Width => Features.Sum(f => f.Width);

    public static FeaturePipeline Fit(Frame frame, IReadOnlyList<int> rows, IReadOnlyList<string> features, AntiNexRequest request)
    {
        var specs = new List<FeatureSpec>();
        foreach (var name in features)
        {
            if (request.CategoricalFeatures.Contains(name))
            {
                var col = frame.Text[name];
                var vocab = rows.Select(r => col[r]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                specs.Add(new FeatureSpec { Name = name, Categorical = true, Vocabulary = vocab });
            }
            else
            {
                var col = frame.Numeric[name];
                bool log = request.LogFeatures.Contains(name);
                double min = double.PositiveInfinity, max = double.NegativeInfinity;
                foreach (var r in rows)
                {
                    var v = log ? SignedLog1p(col[r]) : col[r];
                    if (v < min) min = v;
                    if (v > max) max = v;
                }
                specs.Add(new FeatureSpec { Name = name, Log = log, Min = min, Max = max });
            }
        }
        return new FeaturePipeline { Features = specs, Scale = request.ApplyScaler, Lo = request.MinScalerRange, Hi = request.MaxScalerRange };
    }

    /// <summary>log1p that keeps the sign, so the -1 "absent" marks of AntiNex CSVs stay finite.</summary>
    public static double SignedLog1p(double v) => v >= 0 ? Math.Log(1 + v) : -Math.Log(1 - v);

    public double ScaleValue(FeatureSpec f, double raw)
    {
        var v = f.Log ? SignedLog1p(raw) : raw;
        if (!Scale) return v;
        var range = f.Max - f.Min;
        if (range == 0) range = 1;
        var scale = (Hi - Lo) / range;
        return v * scale + (Lo - f.Min * scale);
    }

    /// <summary>Row-major [rows x Width] float32 matrix of the given frame rows.</summary>
    public float[] Transform(Frame frame, IReadOnlyList<int> rows)
    {
        int width = Width;
        var x = new float[rows.Count * width];
        int offset = 0;
        foreach (var f in Features)
        {
            if (f.Categorical)
            {
                var col = frame.Text[f.Name];
                var index = VocabIndex(f);
                for (int i = 0; i < rows.Count; i++)
                    x[i * width + offset + (index.TryGetValue(col[rows[i]], out var k) ? k : f.Vocabulary.Count)] = 1f;
            }
            else
            {
                var col = frame.Numeric[f.Name];
                for (int i = 0; i < rows.Count; i++) x[i * width + offset] = (float)ScaleValue(f, col[rows[i]]);
            }
            offset += f.Width;
        }
        return x;
    }

    /// <summary>Raw rows (one double per input feature, in Features order; categorical values as numbers) to a matrix.</summary>
    public float[] TransformRaw(IReadOnlyList<double[]> rows)
    {
        int width = Width;
        var x = new float[rows.Count * width];
        var indexes = Features.Select(f => f.Categorical ? VocabIndex(f) : null).ToArray();
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Length != Features.Count)
                throw new ArgumentException($"row {i} has {row.Length} values; the model takes {Features.Count} ({string.Join(", ", Features.Select(f => f.Name))})");
            int offset = 0;
            for (int j = 0; j < Features.Count; j++)
            {
                var f = Features[j];
                if (f.Categorical)
                {
                    var key = row[j].ToString("R", CultureInfo.InvariantCulture);
                    x[i * width + offset + (indexes[j]!.TryGetValue(key, out var k) ? k : f.Vocabulary.Count)] = 1f;
                }
                else x[i * width + offset] = (float)ScaleValue(f, row[j]);
                offset += f.Width;
            }
        }
        return x;
    }

    private readonly Dictionary<string, Dictionary<string, int>> _vocabCache = new();
    private Dictionary<string, int> VocabIndex(FeatureSpec f)
    {
        lock (_vocabCache)
        {
            if (!_vocabCache.TryGetValue(f.Name, out var d))
            {
                d = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < f.Vocabulary.Count; i++) d[f.Vocabulary[i]] = i;
                _vocabCache[f.Name] = d;
            }
            return d;
        }
    }
}

/// <summary>Target encoding: class values (sorted, as Keras' classes_) for classification, optional min-max for regression.</summary>
public sealed record TargetCodec
{
    public bool Regression { get; init; }
    /// <summary>Classification: the class values in index order (e.g. 0, 1).</summary>
    public IReadOnlyList<double> ClassValues { get; init; } = [];
    public IReadOnlyList<string> ClassNames { get; init; } = [];
    public bool Scale { get; init; }
    public double Min { get; init; }
    public double Max { get; init; }
    public double Lo { get; init; } = -1;
    public double Hi { get; init; } = 1;

    /// <summary>Raw target cell -> class value, via target_rules or as a number.</summary>
    public static double ClassValueOf(string raw, TargetRules? rules, string field, int row)
    {
        if (rules is not null)
        {
            if (rules.TryMap(raw, out var mapped)) return mapped;
            throw new RequestException("target_rules", $"target value '{raw}' (row {row}) is not in target_rules.map and there is no default");
        }
        if (string.IsNullOrWhiteSpace(raw))
            throw new RequestException(field, $"row {row}: empty target value");
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
        throw new RequestException(field, $"row {row}: target '{raw}' is not numeric; map it with target_rules, e.g. {{\"map\": {{\"{raw}\": 0}}, \"default\": 1}}");
    }

    public double ScaleTarget(double y)
    {
        if (!Scale) return y;
        var range = Max - Min; if (range == 0) range = 1;
        var s = (Hi - Lo) / range;
        return y * s + (Lo - Min * s);
    }

    public double UnscaleTarget(double z)
    {
        if (!Scale) return z;
        var range = Max - Min; if (range == 0) range = 1;
        var s = (Hi - Lo) / range;
        return (z - (Lo - Min * s)) / s;
    }

    public int IndexOf(double classValue)
    {
        for (int i = 0; i < ClassValues.Count; i++) if (ClassValues[i] == classValue) return i;
        return -1;
    }

    public static string DefaultName(double v, LabelRules? rules)
        => rules?.NameOf(v) ?? v.ToString("R", CultureInfo.InvariantCulture);
}
