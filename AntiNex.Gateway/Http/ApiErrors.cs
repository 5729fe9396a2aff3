using System.Text.Json;
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

    public static IResult BadRequest(string message) => Result(StatusCodes.Status400BadRequest, message);

    public static IResult NotFound(string message) => Result(StatusCodes.Status404NotFound, message);

    private static ErrorBody Body(string message, string? code, object? issues) => new(message, code, issues);

    private sealed record ErrorBody(string Error, string? Code, object? Issues);
}
