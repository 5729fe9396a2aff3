using System.Text.Json.Serialization;

namespace AntiNex.Gateway.Http.Auth;

/// <summary>One stored API key: its id (shown in the audit trail), the SHA-256 of its secret (the secret itself is
/// never stored), its scopes, the labels it may touch and an optional own rate limit (requests per second).</summary>
public sealed record ApiKey(
    string Id,
    [property: JsonPropertyName("sha256")] string Sha256,
    IReadOnlyList<string> Scopes,
    string Labels,
    int? RateLimit = null,
    DateTimeOffset? CreatedUtc = null)
{
    [JsonIgnore] public LabelPattern LabelPattern => _pattern ??= new LabelPattern(Labels);
    private LabelPattern? _pattern;

    public bool Has(string scope) => Scopes.Contains(scope);
}
