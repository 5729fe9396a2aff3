using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace AntiNex.Requests;

/// <summary>
/// Request JSON as every entry point reads it: comments and trailing commas allowed, a key given twice refused (the last
/// value would win silently) and a string that is not valid Unicode refused. Both are named by their path, here at parse
/// time, since System.Text.Json only throws on reading such a string (InvalidOperationException, far from the parse).
/// </summary>
public static class RequestJson
{
    public static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, AllowDuplicateProperties = false,
    };

    // Only to find what the strict parse refused (its exception names no path): a duplicated key, or a key that is not text.
    private static readonly JsonDocumentOptions DuplicatesAllowed = new()
    {
        AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, AllowDuplicateProperties = true,
    };

    internal const string LoneSurrogate = "contains an invalid UTF-16 sequence (lone surrogate)";
    internal const string InvalidUtf8 = "contains invalid UTF-8";

    /// <summary>Throws <see cref="JsonException"/> for malformed JSON, <see cref="RequestException"/> naming the path of a
    /// duplicated key or of a string that is not valid text.</summary>
    public static JsonDocument Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, Options); }
        catch (ArgumentException) // a lone surrogate char in the string itself: it has no UTF-8 form to parse
        {
            throw new RequestException("request", LoneSurrogate);
        }
        catch (JsonException) when (ProblemIn(json) is { } problem)
        {
            throw new RequestException([problem]);
        }
        catch (InvalidOperationException) // the duplicate check reads every key: one escaping half a surrogate pair throws there
        {
            throw new RequestException([ProblemIn(json) ?? new RequestIssue("request", LoneSurrogate)]);
        }
        return Checked(doc);
    }

    /// <summary>JSON held in a string field (predict_rows given as text): <see cref="Parse(string)"/> with its issues named
    /// under <paramref name="field"/>.</summary>
    public static JsonDocument ParseNested(string json, string field)
    {
        try { return Parse(json); }
        catch (RequestException e)
        {
            throw new RequestException(e.Issues.Select(i => i with { Field = Under(field, i.Field) }).ToList());
        }
    }

    private static string Under(string field, string path)
        => path == "request" ? field : path.StartsWith('[') ? field + path : $"{field}.{path}";

    /// <summary>The first string or key below <paramref name="root"/> that is not valid text, or null.</summary>
    private static RequestIssue? InvalidText(JsonElement root) => new Scan(duplicates: false).Run(root);

    private static JsonDocument Checked(JsonDocument doc)
    {
        if (InvalidText(doc.RootElement) is not { } issue) return doc;
        doc.Dispose();
        throw new RequestException([issue]);
    }

    private static RequestIssue? ProblemIn(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, DuplicatesAllowed);
            return new Scan(duplicates: true).Run(doc.RootElement);
        }
        catch (JsonException) { return null; } // malformed anyway: the strict parse's error stands
    }

    /// <summary>One walk of a document keeping the path as a stack, so a path string is built only for the value at fault.</summary>
    private sealed class Scan(bool duplicates)
    {
        private readonly List<(JsonProperty? Key, int Index)> _at = [];
        private RequestIssue? _found;

        public RequestIssue? Run(JsonElement root)
        {
            Visit(root);
            return _found;
        }

        private bool Visit(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    HashSet<string>? names = duplicates ? new(StringComparer.Ordinal) : null;
                    foreach (var p in e.EnumerateObject())
                    {
                        if (NameProblem(p) is { } problem) return Found(Path(), $"has a key that {problem}");
                        _at.Add((p, -1));
                        if (names is not null && !names.Add(p.Name)) return Found(Path(), "appears more than once");
                        var stop = Visit(p.Value);
                        _at.RemoveAt(_at.Count - 1);
                        if (stop) return true;
                    }
                    return false;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray())
                    {
                        _at.Add((null, i++));
                        var stop = Visit(item);
                        _at.RemoveAt(_at.Count - 1);
                        if (stop) return true;
                    }
                    return false;
                case JsonValueKind.String:
                    return ValueProblem(e) is { } bad && Found(Path(), bad);
                default:
                    return false;
            }
        }

        private bool Found(string field, string message)
        {
            _found = new RequestIssue(field, message);
            return true;
        }

        private string Path()
        {
            if (_at.Count == 0) return "request";
            var path = new System.Text.StringBuilder();
            foreach (var (key, index) in _at)
            {
                if (key is null) path.Append('[').Append(index).Append(']');
                else path.Append(path.Length == 0 ? "" : ".").Append(key.Value.Name);
            }
            return path.ToString();
        }
    }

    // Text without escapes that is valid UTF-8 needs no decoding; only an escape can make half a surrogate pair.
    private static string? ValueProblem(JsonElement e)
    {
        var raw = JsonMarshal.GetRawUtf8Value(e);
        if (!Utf8.IsValid(raw)) return InvalidUtf8;
        if (raw.IndexOf((byte)'\\') < 0) return null;
        try { _ = e.GetString(); }
        catch (InvalidOperationException) { return LoneSurrogate; }
        return null;
    }

    private static string? NameProblem(JsonProperty p)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(p);
        if (!Utf8.IsValid(raw)) return InvalidUtf8;
        if (raw.IndexOf((byte)'\\') < 0) return null;
        try { _ = p.Name; }
        catch (InvalidOperationException) { return LoneSurrogate; }
        return null;
    }
}
