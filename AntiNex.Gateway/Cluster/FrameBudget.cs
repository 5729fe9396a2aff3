// What fits in one remote message: the transport's maximum frame (akka.remote.dot-netty.tcp.maximum-frame-size, read
// from the running system's configuration) less a margin for the envelope. Row blocks are cut to fit; JSON requests that
// cannot fit are refused at once with a clear error instead of being dropped by the transport (which would leave the
// caller waiting for its whole timeout).
using System.Text;
using Akka.Actor;
using AntiNex.Models;
using AntiNex.Requests;

namespace AntiNex.Gateway.Cluster;

public sealed class FrameBudget(long maxFrameBytes)
{
    /// <summary>Akka's envelope (recipient and sender paths, manifest, serializer id) and our headers stay under this.</summary>
    public const int EnvelopeMargin = 16 * 1024;

    public long MaxFrameBytes { get; } = maxFrameBytes;

    /// <summary>Payload bytes one message may carry.</summary>
    public long PayloadBytes => Math.Max(1024, MaxFrameBytes - EnvelopeMargin);

    public static FrameBudget Of(ActorSystem system)
        => new(system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", null) ?? 128_000);

    /// <summary>Rows of <paramref name="columns"/> float32 values that fit one message (the answer, 4 bytes a row,
    /// is always smaller); 0 when not even one row fits.</summary>
    public int RowsPerMessage(int columns) => (int)Math.Min(int.MaxValue / 2, PayloadBytes / (4L * Math.Max(1, columns)));

    /// <summary>Null when <paramref name="json"/> fits one message; else the refusal, naming the size and the frame.</summary>
    public ModelFailed? CheckJson(string modelId, string json, string what, string? requestId)
    {
        // Escaping makes a text at most six times its UTF-8 size: most requests are far below the frame and are not encoded.
        if (6L * Encoding.UTF8.GetByteCount(json) <= PayloadBytes) return null;
        var bytes = SentBytes(json);
        if (bytes <= PayloadBytes) return null;
        var message = $"the {what} is {bytes:N0} bytes, more than one cluster message carries ({PayloadBytes:N0} of the " +
                      $"{MaxFrameBytes:N0}-byte akka.remote.dot-netty.tcp.maximum-frame-size)";
        return new ModelFailed(modelId, "too-large", message, [new RequestIssue("request", message)], requestId);
    }

    /// <summary>The text's size as a message carries it: a JSON string, escaped by the encoder the cluster's serializer
    /// uses (a quote takes two bytes; a control character, an emoji or a line separator up to twelve).</summary>
    public static long SentBytes(string json)
    {
        long raw = Encoding.UTF8.GetByteCount(json);
        var escaped = AntiNex.Cluster.AntiNexSerializer.MessageEncoder.Encode(json);
        return ReferenceEquals(escaped, json) ? raw : Encoding.UTF8.GetByteCount(escaped);
    }
}
