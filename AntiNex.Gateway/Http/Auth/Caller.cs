using AntiNex.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http.Auth;

/// <summary>The authenticated caller of a request, as handlers see it.</summary>
public static class Caller
{
    public static ApiKey Key(this HttpContext context)
        => context.Items[typeof(ApiKey)] as ApiKey ?? throw new InvalidOperationException("endpoint reached without an API key");

    /// <summary>Who asked, for the audit trail of mutating commands.</summary>
    public static RequestOrigin Origin(this HttpContext context)
        => new(ApiKeyId: context.Key().Id, Client: context.Connection.RemoteIpAddress?.ToString(), Via: "http");

    /// <summary>Null when the key may touch the model, else the 403 to return.</summary>
    public static IResult? RefuseLabel(this HttpContext context, string modelId)
    {
        var key = context.Key();
        return key.LabelPattern.Allows(modelId) ? null
            : ApiErrors.Result(StatusCodes.Status403Forbidden, $"API key '{key.Id}' may not use model '{modelId}' (labels: {key.Labels})");
    }

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new RequiredScope(scope));
}
