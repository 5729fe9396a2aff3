using System.Text.RegularExpressions;
using AntiNex.Requests;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http;

/// <summary>A query or route parameter that did not bind (<c>?limit=abc</c>), as the request issue naming it. ASP.NET says
/// it only in its message ("Failed to bind parameter \"Nullable&lt;int&gt; limit\" from \"abc\"."), read here.</summary>
internal static partial class BindingFailure
{
    public static RequestIssue? Of(BadHttpRequestException e)
    {
        var match = Pattern().Match(e.Message);
        if (!match.Success) return null;
        var type = match.Groups["type"].Value;
        var expected = type switch
        {
            _ when type.Contains("long", StringComparison.OrdinalIgnoreCase) => "a whole number of 64 bits",
            _ when type.Contains("int", StringComparison.OrdinalIgnoreCase) => "a whole number from -2,147,483,648 to 2,147,483,647",
            _ when type.Contains("bool", StringComparison.OrdinalIgnoreCase) => "true or false",
            _ when type.Contains("double", StringComparison.OrdinalIgnoreCase) || type.Contains("decimal", StringComparison.OrdinalIgnoreCase)
                => "a number",
            _ => $"a value of type {type}",
        };
        return new RequestIssue(match.Groups["name"].Value, $"must be {expected}, got '{match.Groups["value"].Value}'");
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex Pattern();
}
