namespace AntiNex.Requests;

/// <summary>Extension: maps raw target values (strings or numbers) to class values, e.g. {"map":{"normal":0},"default":1}.</summary>
public sealed record TargetRules(IReadOnlyDictionary<string, double> Map, double? Default)
{
    public bool TryMap(string raw, out double value)
    {
        if (Map.TryGetValue(raw, out value)) return true;
        if (Map.TryGetValue(raw.Trim(), out value)) return true;
        // An empty cell is a missing target (a row cut short), not one more value for the default class.
        if (string.IsNullOrWhiteSpace(raw)) { value = 0; return false; }
        if (Default is { } d) { value = d; return true; }
        value = 0;
        return false;
    }

    /// <summary>
    /// These rules plus the training values that match no key as written or trimmed but match keys in another letter case,
    /// all of one class ("Normal" in a file, "normal" in the template): each is added as its own key, so the training, the
    /// test file and the stored model map it alike, while the matching itself stays exact. Values whose case-blind keys
    /// disagree ("mixed": 2, "MIXED": 3) are left to the default.
    /// </summary>
    public TargetRules WithCaseVariants(IEnumerable<string> values, out IReadOnlyList<(string Value, string Key)> added)
    {
        var found = new List<(string Value, string Key)>();
        Dictionary<string, double>? map = null;
        foreach (var value in values.Select(v => v.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (Map.ContainsKey(value)) continue;
            var keys = Map.Where(kv => string.Equals(kv.Key, value, StringComparison.OrdinalIgnoreCase)).ToList();
            if (keys.Count == 0 || keys.Any(kv => kv.Value != keys[0].Value)) continue;
            map ??= new Dictionary<string, double>(Map, StringComparer.Ordinal);
            map[value] = keys[0].Value;
            found.Add((value, keys[0].Key));
        }
        added = found;
        return map is null ? this : this with { Map = map };
    }
}
