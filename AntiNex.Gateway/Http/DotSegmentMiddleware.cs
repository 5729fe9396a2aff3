using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AntiNex.Gateway.Http;

/// <summary>Refuses, on every route, a target sent with a '.' or '..' segment unresolved ("/api/models/../cluster", as
/// `curl --path-as-is` sends it). Kestrel routes the resolved form, so such a target would be answered for another path
/// than the one sent; clients resolve dot segments themselves, so a raw one is a mistake or a probe. Before routing.</summary>
internal sealed class DotSegmentMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw)) return next(context);
        var path = PathLabel.RawPath(raw);
        if (PathLabel.HasDotSegment(path))
            throw new HttpProblem(StatusCodes.Status400BadRequest,
                $"the path '{path.ToString()}' holds a '.' or '..' segment: send it with its dot segments resolved", "bad-request");
        return next(context);
    }
}
