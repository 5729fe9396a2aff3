namespace AntiNex.Requests;

public sealed class RequestException(IReadOnlyList<RequestIssue> issues)
    : Exception(string.Join("; ", issues.Select(i => i.ToString())))
{
    public IReadOnlyList<RequestIssue> Issues { get; } = issues;
    public RequestException(string field, string message) : this([new RequestIssue(field, message)]) { }
}
