// Fetches a label's latest artifact from a model node over Akka, part by part under the remote frame (a node's replica
// keeper reads it from the snapshot store). `serve` has no Redis access: the cluster hands it the bytes.
using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using AntiNex.Replicas;

namespace AntiNex.Gateway.Http.Local;

internal static class ArtifactFetch
{
    private static readonly TimeSpan PartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The artifact, its version and the node it came from; null with the reason when no node could hand it out.</summary>
    public static async Task<(byte[] Bytes, long Version, string Node)?> LatestAsync(CopyTable copies, FrameBudget frame, string modelId,
        Action<string> trouble)
    {
        // Base64 in a JSON message: 3 artifact bytes per 4 on the wire.
        var partBytes = (int)Math.Min(int.MaxValue, Math.Max(1024, frame.PayloadBytes / 4 * 3 - 1024));
        foreach (var keeper in copies.Keepers(modelId))
        {
            try
            {
                var first = await keeper.Ask<object>(new FetchArtifact(modelId, 0, 0, partBytes), PartTimeout).ConfigureAwait(false);
                if (first is not ArtifactPart part)
                {
                    trouble(first is ModelFailed f ? $"{f.Code}: {f.Message}" : first.GetType().Name);
                    if (first is ModelFailed { Code: "not-trained" }) return null;
                    continue;
                }
                var bytes = new byte[part.TotalBytes];
                part.Data.CopyTo(bytes, 0);
                var at = (long)part.Data.Length;
                while (at < bytes.Length)
                {
                    var next = await keeper.Ask<object>(new FetchArtifact(modelId, part.Version, at, partBytes), PartTimeout).ConfigureAwait(false);
                    if (next is not ArtifactPart more || more.Offset != at || more.Data.Length == 0)
                        throw new InvalidOperationException(next is ModelFailed f ? $"{f.Code}: {f.Message}" : "artifact part out of order");
                    more.Data.CopyTo(bytes, at);
                    at += more.Data.Length;
                }
                return (bytes, part.Version, part.Node);
            }
            catch (Exception e) when (e is AskTimeoutException or InvalidOperationException or TaskCanceledException)
            {
                trouble(e.Message);
            }
        }
        return null;
    }
}
