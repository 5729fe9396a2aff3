using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http;

/// <summary>Reads a request body as JSON. Kestrel enforces the body limit while reading (413 through the error
/// middleware); malformed JSON becomes a 400 naming the line and byte.</summary>
public static class RequestBody
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static async Task<JsonDocument> ReadJsonAsync(HttpContext context)
    {
        try { return await JsonDocument.ParseAsync(context.Request.Body, Options, context.RequestAborted); }
        catch (JsonException e)
        {
            throw new HttpProblem(StatusCodes.Status400BadRequest,
                $"request body: not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1})");
        }
    }

    public static async Task<string> ReadTextAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }
}

/// <summary>A refusal a handler throws; the error middleware answers it as {"error": ...} with its status.</summary>
public sealed class HttpProblem(int status, string message, string? code = null, object? issues = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Code { get; } = code;
    public object? Issues { get; } = issues;
}
