using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http;

/// <summary>Reads a request body, as bytes or text, for the endpoint's own JSON reader (an AntiNex request goes through
/// RequestFile, an inference request through InferenceInput). Kestrel enforces the body limit while reading (413 through
/// the error middleware); malformed JSON becomes a 400 naming the line and byte.</summary>
public static class RequestBody
{
    /// <summary>The whole body in a pooled buffer (sized from Content-Length when given), for a one-pass reader.</summary>
    public static async Task<PooledBody> ReadBytesAsync(HttpContext context)
    {
        var body = new PooledBody((int)Math.Clamp(context.Request.ContentLength ?? 4096, 16, 1 << 20));
        try
        {
            var reader = context.Request.BodyReader;
            while (true)
            {
                var result = await reader.ReadAsync(context.RequestAborted);
                body.Append(result.Buffer);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) return body;
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>The 400 for a body that is not JSON.</summary>
    public static HttpProblem Malformed(JsonException e) => new(StatusCodes.Status400BadRequest,
        $"request body: not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1})", "bad-request");

    public static async Task<string> ReadTextAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }
}

/// <summary>A request body held in a buffer rented from the shared pool; returned on dispose.</summary>
public sealed class PooledBody(int capacity) : IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(capacity);

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    public void Append(in ReadOnlySequence<byte> data)
    {
        var needed = Length + (int)data.Length;
        if (needed > _array.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
            _array.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_array);
            _array = larger;
        }
        data.CopyTo(_array.AsSpan(Length));
        Length = needed;
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0) ArrayPool<byte>.Shared.Return(array);
    }
}

/// <summary>A refusal a handler throws; the error middleware answers it as {"error": ...} with its status.</summary>
public sealed class HttpProblem(int status, string message, string? code = null, object? issues = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Code { get; } = code;
    public object? Issues { get; } = issues;
}
