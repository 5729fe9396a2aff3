using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace AntiNex.Gateway.Http;

/// <summary>The OpenAPI document served at /openapi.json: generated from the endpoints, plus the bearer-key scheme.</summary>
public static class OpenApiDocument
{
    public const string Path = "/openapi.json";

    public static IServiceCollection AddAntiNexOpenApi(this IServiceCollection services)
        => services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
    {
        doc.Info.Title = "AntiNex Cluster HTTP API";
        doc.Info.Description = "Open Inference Protocol v2 (/v2) and the AntiNex API (/api). Every endpoint but /v2/health/* needs an API key: "
            + "'Authorization: Bearer <key>' or 'X-Api-Key: <key>'. Errors are {\"error\": \"...\"}.";
        doc.Components ??= new OpenApiComponents();
        doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        doc.Components.SecuritySchemes["api-key"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key made by `antinex-gateway serve keys add` (scopes: predict, read, train, admin; a label pattern)",
        };
        doc.Security ??= [];
        doc.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("api-key", doc)] = [] });
        return Task.CompletedTask;
    }));
}
