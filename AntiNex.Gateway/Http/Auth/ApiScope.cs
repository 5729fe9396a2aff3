namespace AntiNex.Gateway.Http.Auth;

/// <summary>What an API key may do, one scope per kind of verb. A key holds any subset.</summary>
public static class ApiScope
{
    public const string Predict = "predict"; // infer, predict
    public const string Read = "read";       // model metadata, models, jobs, cluster
    public const string Train = "train";     // train
    public const string Admin = "admin";     // forget

    public static readonly IReadOnlyList<string> All = [Predict, Read, Train, Admin];

    /// <summary>Parses "predict,read"; throws ArgumentException naming the unknown scope.</summary>
    public static IReadOnlyList<string> Parse(string text)
    {
        var scopes = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToLowerInvariant()).Distinct().ToList();
        if (scopes.Count == 0) throw new ArgumentException($"scopes: at least one of {string.Join(", ", All)} is needed");
        foreach (var s in scopes)
            if (!All.Contains(s)) throw new ArgumentException($"scopes: '{s}' is not a scope (scopes: {string.Join(", ", All)})");
        return scopes;
    }
}

/// <summary>Endpoint metadata: the scope a caller's key must hold.</summary>
public sealed record RequiredScope(string Name);
