using System.Text.Json;
using System.Text.RegularExpressions;

namespace AntiNex.Requests;

/// <summary>
/// A JSON syntax error as a user reads it: its place counted from 1, as editors count, and the parser's reason without the
/// zero-based "LineNumber: 0 | BytePositionInLine: 46." System.Text.Json appends, which contradicted that place; an empty
/// text is said to be empty rather than described in the parser's terms (tokens, isFinalBlock).
/// </summary>
public static partial class JsonSyntaxError
{
    /// <summary>"(line L, byte B): reason" ("reason" alone for an error of no known place), or "(empty: ...)"
    /// when <paramref name="text"/> holds no JSON at all.</summary>
    public static string Describe(JsonException e, string? text)
    {
        if (text is not null && string.IsNullOrWhiteSpace(text)) return "(empty: a JSON object is expected)";
        if (e.LineNumber is not { } line) return ": " + Reason(e);
        return $"(line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1}): {Reason(e)}";
    }

    /// <summary>The parser's reason alone, without its position suffix.</summary>
    public static string Reason(JsonException e) => Position().Replace(e.Message, "").TrimEnd();

    [GeneratedRegex(@"\s*(Path: \S* \| )?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$")]
    private static partial Regex Position();
}
