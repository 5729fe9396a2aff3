// Writes an Open Inference Protocol v2 inference response straight to the response pipe: Utf8JsonWriter into a
// per-thread buffer (synchronous, so no await holds it), then one copy with Content-Length set (no chunking, no
// serializer reflection over the object-typed tensor data).
using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Gateway.Http.Inference;

public static class InferenceResponseWriter
{
    private const int KeepBufferBytes = 1 << 20;
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary><paramref name="servedBy"/>: the copy that answered (a model node, or this process's own copy), as the
    /// response's <c>parameters.served_by</c>.</summary>
    public static Task WriteAsync(HttpContext context, string modelName, long version, string? id, IReadOnlyList<ResponseOutput> outputs,
        string? servedBy = null)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new Utf8JsonWriter(buffer, Options);
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteString("model_name"u8, modelName);
        w.WriteString("model_version"u8, version.ToString(CultureInfo.InvariantCulture));
        if (id is not null) w.WriteString("id"u8, id);
        if (servedBy is not null)
        {
            w.WriteStartObject("parameters"u8);
            w.WriteString("served_by"u8, servedBy);
            w.WriteEndObject();
        }
        w.WriteStartArray("outputs"u8);
        foreach (var o in outputs) WriteOutput(w, o);
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
        if (buffer.Capacity > KeepBufferBytes) { t_buffer = null; t_writer = null; }
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }

    private static void WriteOutput(Utf8JsonWriter w, ResponseOutput o)
    {
        w.WriteStartObject();
        w.WriteString("name"u8, o.Name);
        w.WriteStartArray("shape"u8);
        foreach (var d in o.Shape) w.WriteNumberValue(d);
        w.WriteEndArray();
        w.WriteString("datatype"u8, o.Datatype);
        w.WriteStartArray("data"u8);
        switch (o.Data)
        {
            case double[] values: foreach (var v in values) w.WriteNumberValue(v); break;
            case float[] values: foreach (var v in values) w.WriteNumberValue((double)v); break;
            case string[] values: foreach (var v in values) w.WriteStringValue(v); break;
            default: throw new InvalidOperationException($"tensor data of type {o.Data.GetType().Name} has no writer");
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
