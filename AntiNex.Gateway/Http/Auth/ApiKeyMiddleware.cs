// Authentication and scope checks for every endpoint that is not marked AllowAnonymous (the health endpoints):
// the key comes from "Authorization: Bearer <key>" or "X-Api-Key: <key>"; 401 without a known key, 403 without the
// endpoint's scope. Label checks happen in the handlers, which know the label. Secrets are never logged.
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http.Auth;

public sealed class ApiKeyMiddleware(RequestDelegate next, LiveApiKeys keys)
{
    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            return next(context);
        var key = FindKey(context.Request, out var presented);
        if (!presented)
            return Deny(context, StatusCodes.Status401Unauthorized,
                "authentication required: send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'");
        if (key is null)
            return Deny(context, StatusCodes.Status401Unauthorized, "unknown API key");
        context.Items[typeof(ApiKey)] = key;
        var required = endpoint.Metadata.GetMetadata<RequiredScope>();
        if (required is not null && !key.Has(required.Name))
            return Deny(context, StatusCodes.Status403Forbidden,
                $"API key '{key.Id}' lacks the '{required.Name}' scope (it has: {string.Join(", ", key.Scopes)})");
        return next(context);
    }

    private ApiKey? FindKey(HttpRequest request, out bool presented)
    {
        var secret = SecretOf(request);
        presented = secret.Length > 0;
        return presented ? keys.Find(secret) : null;
    }

    /// <summary>The presented secret, trimmed; empty when none. A view of the header: nothing is copied.</summary>
    private static ReadOnlySpan<char> SecretOf(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString().AsSpan();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization["Bearer ".Length..].Trim();
            if (token.Length > 0) return token;
        }
        return request.Headers["X-Api-Key"].ToString().AsSpan().Trim();
    }

    private static Task Deny(HttpContext context, int status, string message)
    {
        bool unauthorized = status == StatusCodes.Status401Unauthorized;
        if (unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiErrors.Write(context, status, message, unauthorized ? "unauthorized" : "forbidden");
    }
}
