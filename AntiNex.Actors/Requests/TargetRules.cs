namespace AntiNex.Requests;

/// <summary>Extension: maps raw target values (strings or numbers) to class values, e.g. {"map":{"normal":0},"default":1}.</summary>
public sealed record TargetRules(IReadOnlyDictionary<string, double> Map, double? Default)
{
    public bool TryMap(string raw, out double value)
    {
        if (Map.TryGetValue(raw, out value)) return true;
        if (Map.TryGetValue(raw.Trim(), out value)) return true;
        if (Default is { } d) { value = d; return true; }
        value = 0;
        return false;
    }
}
