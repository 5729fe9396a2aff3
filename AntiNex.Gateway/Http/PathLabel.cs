using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AntiNex.Gateway.Http;

/// <summary>The label a model path names (<c>/v2/models/{label}</c>, <c>/api/models/{label}</c>). A label may hold '/'
/// and other reserved characters, percent-encoded in its one path segment ("team%2Fweb"). Kestrel decodes the path
/// except %2F, so the routed value is half-decoded; the label is read from the raw request target and decoded once.</summary>
public static class PathLabel
{
    /// <summary>Segment 3 of the raw target ("", "v2"|"api", "models", LABEL); the routed value when the target is
    /// not a plain path (absolute-form behind a proxy).</summary>
    public static string Of(HttpContext context, string routed)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') return routed;
        var query = raw.IndexOf('?');
        var path = query < 0 ? raw.AsSpan() : raw.AsSpan(0, query);
        // Kestrel routes the path with its dot segments resolved ("/v2/models/a/../b" is model b's route), but the raw
        // segment would name "a": such a target is refused rather than answered for a model other than the route's.
        if (HasDotSegment(path))
            throw new HttpProblem(StatusCodes.Status400BadRequest,
                "the path holds a '.' or '..' segment: send it with its dot segments resolved", "bad-request");
        var start = 0;
        for (var segment = 0; segment < 3; segment++)
        {
            var slash = path[start..].IndexOf('/');
            if (slash < 0) return routed;
            start += slash + 1;
        }
        var end = path[start..].IndexOf('/');
        var encoded = end < 0 ? path[start..] : path.Slice(start, end);
        return encoded.Contains('%') ? Uri.UnescapeDataString(encoded.ToString()) : encoded.ToString();
    }

    /// <summary>The path of a raw request target, without its query: origin-form as sent ("/a/../b"), absolute-form
    /// after its authority ("http://host/a/../b"); empty for the asterisk-form ("*").</summary>
    internal static ReadOnlySpan<char> RawPath(string raw)
    {
        var path = raw.AsSpan();
        if (path.Length > 0 && path[0] != '/')
        {
            var scheme = path.IndexOf("://");
            if (scheme < 0) return [];
            path = path[(scheme + 3)..];
            var slash = path.IndexOfAny('/', '?');
            path = slash < 0 || path[slash] == '?' ? [] : path[slash..];
        }
        var query = path.IndexOf('?');
        return query < 0 ? path : path[..query];
    }

    /// <summary>A segment that is "." or ".." once percent-decoded ("%2E%2E" too: Kestrel decodes it before resolving).</summary>
    internal static bool HasDotSegment(ReadOnlySpan<char> path)
    {
        if (!path.Contains('.') && !path.Contains("%2e", StringComparison.OrdinalIgnoreCase)) return false; // the usual case
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            if (segment.Contains('%')) segment = Uri.UnescapeDataString(segment.ToString());
            if (segment is "." or "..") return true;
        }
        return false;
    }

    /// <summary>The model id (label trimmed and lower-cased) a model path names. A label no request could train (blank, a
    /// control character, a square bracket) is a bad request, not an unknown model.</summary>
    public static string ModelId(HttpContext context, string routed)
    {
        var label = Of(context, routed);
        // The length limit is the nodes' own setting: only what no node accepts is refused here.
        if (Requests.LabelRule.Check(label, int.MaxValue) is { } problem)
            throw new HttpProblem(StatusCodes.Status400BadRequest, $"the label in the path {problem}", "bad-request");
        var id = Models.ModelIds.FromLabel(label);
        // A blank label names no entity: the cluster drops such a message, and the caller would wait for the timeout.
        if (id.Length == 0)
            throw new HttpProblem(StatusCodes.Status400BadRequest, "the label in the path is empty (or only white space)", "bad-request");
        return id;
    }
}
