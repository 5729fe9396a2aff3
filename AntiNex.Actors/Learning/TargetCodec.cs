using System.Globalization;
using AntiNex.Requests;

namespace AntiNex.Learning;

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
            if (string.IsNullOrWhiteSpace(raw)) throw new RequestException(field, $"row {row}: empty target value");
            throw new RequestException("target_rules", $"target value '{raw}' (row {row}) is not in target_rules.map and there is no default");
        }
        if (string.IsNullOrWhiteSpace(raw))
            throw new RequestException(field, $"row {row}: empty target value");
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
        throw new RequestException(field,
            $"row {row}: target '{raw}' is not numeric; map it with target_rules, e.g. {{\"map\": {{\"{raw}\": 0}}, \"default\": 1}}");
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
