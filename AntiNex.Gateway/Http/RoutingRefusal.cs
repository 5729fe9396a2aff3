using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http;

/// <summary>What routing answers with an empty body, said as the service's other errors are: a path no route has (404),
/// or a route's path asked with a method it does not take (405, whose Allow header routing has set).</summary>
internal static class RoutingRefusal
{
    /// <summary>The message and code for routing's empty 404 or 405; null for any other answer (an endpoint's own 404
    /// has a body).</summary>
    public static (string Message, string Code)? Of(HttpContext context)
    {
        var response = context.Response;
        if (response.ContentLength is not null || response.ContentType is not null) return null;
        var request = context.Request;
        var route = $"{request.Method} {request.PathBase}{request.Path}";
        return response.StatusCode switch
        {
            StatusCodes.Status404NotFound when context.GetEndpoint() is null =>
                ($"no route {route}: the service's routes are listed in /openapi.json", "not-found"),
            StatusCodes.Status405MethodNotAllowed => ($"{route}: the method is not allowed on this path, which takes "
                + (response.Headers.Allow.Count > 0 ? response.Headers.Allow.ToString() : "other methods"), "method-not-allowed"),
            _ => null,
        };
    }
}
