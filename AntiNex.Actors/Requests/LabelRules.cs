namespace AntiNex.Requests;

/// <summary>Predicted class value to display name (the original's label_rules).</summary>
public sealed record LabelRules(IReadOnlyList<string> Labels, IReadOnlyList<long> LabelValues)
{
    public string? NameOf(double value)
    {
        for (int i = 0; i < LabelValues.Count; i++)
            if (LabelValues[i] == value) return Labels[i];
        return null;
    }
}
