namespace AntiNex.Requests;

/// <summary>Extension: maps raw target values (strings or numbers) to class values, e.g. {"map":{"normal":0},"default":1}.
/// A value matches a key as written, then trimmed, then regardless of letter case when every key it matches that way
/// gives the same class ("Normal" in a file takes the template's "normal"), and else takes the default.</summary>
public sealed record TargetRules(IReadOnlyDictionary<string, double> Map, double? Default)
{
    public bool TryMap(string raw, out double value)
    {
        if (Map.TryGetValue(raw, out value)) return true;
        var trimmed = raw.Trim();
        if (Map.TryGetValue(trimmed, out value)) return true;
        if (TryMapIgnoringCase(trimmed, out value)) return true;
        if (Default is { } d) { value = d; return true; }
        value = 0;
        return false;
    }

    /// <summary>The map's keys that a value matches only regardless of letter case, with the class they give (null when
    /// it matches as written or trimmed, matches no key, or its case-blind keys disagree).</summary>
    public string? KeyMatchedIgnoringCase(string raw)
    {
        var trimmed = raw.Trim();
        if (Map.ContainsKey(raw) || Map.ContainsKey(trimmed)) return null;
        return TryMapIgnoringCase(trimmed, out _) ? Map.Keys.First(k => string.Equals(k.Trim(), trimmed, StringComparison.OrdinalIgnoreCase)) : null;
    }

    private bool TryMapIgnoringCase(string trimmed, out double value)
    {
        value = 0;
        bool found = false;
        foreach (var (key, cls) in Map)
        {
            if (!string.Equals(key.Trim(), trimmed, StringComparison.OrdinalIgnoreCase)) continue;
            if (found && cls != value) return false; // "Normal": 0 and "NORMAL": 1 leave the value to the default
            (value, found) = (cls, true);
        }
        return found;
    }
}
