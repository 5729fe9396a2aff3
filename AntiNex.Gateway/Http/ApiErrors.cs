using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http;

/// <summary>Every error the HTTP service answers is {"error": "..."} (the inference protocol's error object), with
/// optional details (a stable code, the request fields at fault).</summary>
public static class ApiErrors
{
    public static IResult Result(int status, string message, string? code = null, object? issues = null)
        => Results.Json(Body(message, code, issues), HttpJson.Options, statusCode: status);

    public static Task Write(HttpContext context, int status, string message, string code)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(Body(message, code, null), HttpJson.Options));
    }

    public static IResult BadRequest(string message) => Result(StatusCodes.Status400BadRequest, message, "bad-request");

    public static IResult NotFound(string message) => Result(StatusCodes.Status404NotFound, message, "not-found");

    /// <summary>Documents, in the OpenAPI document, the error answers an endpoint gives beyond those of every keyed endpoint
    /// (401, 403, 429 rate-limited, 503: see <see cref="Auth.Caller.RequireScope"/>).</summary>
    public static RouteHandlerBuilder Errors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.Produces<ApiError>(status);
        return builder;
    }

    private static ApiError Body(string message, string? code, object? issues) => new(message, code, issues);
}

/// <summary>An error answer: the message, a stable code (not-found, forbidden, bad-request, too-large, too-many-jobs,
/// rate-limited, unavailable, ...), and for a request refused by its content the fields at fault.</summary>
public sealed record ApiError(string Error, string? Code, object? Issues);
