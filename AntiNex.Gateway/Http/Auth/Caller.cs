using AntiNex.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AntiNex.Gateway.Http.Auth;

/// <summary>The authenticated caller of a request, as handlers see it.</summary>
public static class Caller
{
    public static ApiKey Key(this HttpContext context)
        => context.Items[typeof(ApiKey)] as ApiKey ?? throw new InvalidOperationException("endpoint reached without an API key");

    /// <summary>Who asked, for the audit trail of mutating commands.</summary>
    public static RequestOrigin Origin(this HttpContext context)
        => new(ApiKeyId: context.Key().Id, Client: context.Connection.RemoteIpAddress?.ToString(), Via: "http");

    /// <summary>The request-duration measurement's tag naming the model a request used (read by the dashboard's traffic).</summary>
    public const string ModelTag = "antinex.model";

    /// <summary>Throws the 403 when the key's label pattern does not cover the model; else tags the request's duration
    /// with the model, so traffic can be shown per key pattern. Only this process listens to that measurement (the
    /// gateway exports no metrics), so a label, which is user input, never becomes an exported series.</summary>
    public static void EnsureLabel(this HttpContext context, string modelId)
    {
        var key = context.Key();
        if (!key.LabelPattern.Allows(modelId))
            throw new HttpProblem(StatusCodes.Status403Forbidden,
                $"API key '{key.Id}' may not use model '{modelId}' (labels: {key.Labels})", "forbidden");
        context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new(ModelTag, modelId));
    }

    /// <summary>The endpoint needs a key with this scope. Its OpenAPI entry lists the answers every keyed endpoint can give:
    /// 401 (no or unknown key), 403 (scope or label pattern), 429 (the key's request rate), 503 (the cluster unreachable).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata([new RequiredScope(scope), .. KeyedAnswers]);

    private static readonly object[] KeyedAnswers = [.. new[]
    {
        StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status429TooManyRequests,
        StatusCodes.Status503ServiceUnavailable,
    }.Select(status => new ProducesResponseTypeMetadata(status, typeof(ApiError), ["application/json"]))];
}
