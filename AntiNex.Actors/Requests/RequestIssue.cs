namespace AntiNex.Requests;

public sealed record RequestIssue(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
