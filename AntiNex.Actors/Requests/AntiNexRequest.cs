// CONTRACT: the parsed AntiNex request. The engine owns the parser/validator; actors only carry the raw JSON
// (requests cross the cluster as JSON text, parsed where they are used).
namespace AntiNex.Requests;

public sealed record RequestIssue(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

public sealed class RequestException(IReadOnlyList<RequestIssue> issues)
    : Exception(string.Join("; ", issues.Select(i => i.ToString())))
{
    public IReadOnlyList<RequestIssue> Issues { get; } = issues;
    public RequestException(string field, string message) : this([new RequestIssue(field, message)]) { }
}

/// <summary>An AntiNex Core request (see README "Request format"). Engine fills in all fields and defaults.</summary>
public sealed partial class AntiNexRequest
{
    public string Label { get; set; } = "no-label-set";
    /// <summary>The original AntiNex's model-buffer key: label trimmed and lower-cased.</summary>
    public string ModelKey => Label.Trim().ToLowerInvariant();
    public string? Dataset { get; set; }
    public bool HasPredictRows { get; set; }
    /// <summary>The request as received, for forwarding across the cluster unchanged.</summary>
    public string RawJson { get; set; } = "{}";

    public static AntiNexRequest Parse(string json, out IReadOnlyList<string> warnings)
        => throw new NotImplementedException();
}
