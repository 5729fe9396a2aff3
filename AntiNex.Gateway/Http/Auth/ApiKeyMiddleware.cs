// Authentication and scope checks for every endpoint that is not marked AllowAnonymous (the health endpoints):
// the key comes from "Authorization: Bearer <key>" or "X-Api-Key: <key>"; 401 without a known key, 403 without the
// endpoint's scope. Label checks happen in the handlers, which know the label. Secrets are never logged.
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http.Auth;

public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await next(context);
            return;
        }
        var secret = SecretOf(context.Request);
        if (secret is null)
        {
            await Deny(context, StatusCodes.Status401Unauthorized,
                "authentication required: send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'");
            return;
        }
        var key = keys.Find(secret);
        if (key is null)
        {
            await Deny(context, StatusCodes.Status401Unauthorized, "unknown API key");
            return;
        }
        context.Items[typeof(ApiKey)] = key;
        var required = endpoint.Metadata.GetMetadata<RequiredScope>();
        if (required is not null && !key.Has(required.Name))
        {
            await Deny(context, StatusCodes.Status403Forbidden,
                $"API key '{key.Id}' lacks the '{required.Name}' scope (it has: {string.Join(", ", key.Scopes)})");
            return;
        }
        await next(context);
    }

    private static string? SecretOf(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization["Bearer ".Length..].Trim();
            if (token.Length > 0) return token;
        }
        var header = request.Headers["X-Api-Key"].ToString().Trim();
        return header.Length > 0 ? header : null;
    }

    private static Task Deny(HttpContext context, int status, string message)
    {
        if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiErrors.Write(context, status, message);
    }
}
