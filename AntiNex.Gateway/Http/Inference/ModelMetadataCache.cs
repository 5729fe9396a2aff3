using System.Collections.Concurrent;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Gateway.Http.Inference;

/// <summary>Model descriptions (features, version, ml_type) kept for a few seconds, so an infer call does not cost a
/// describe round trip. A reply from another version than the cached one, or a newer version known, drops the entry.</summary>
public sealed class ModelMetadataCache(GatewayClient gateway, HttpServeOptions options)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (ModelDescription Description, DateTime AtUtc)> _entries = new();

    public async Task<ModelDescription> GetAsync(string modelId, CancellationToken ct)
    {
        // A newer version announced (or answered to a train through this process) makes the entry stale at once.
        if (_entries.TryGetValue(modelId, out var hit) && DateTime.UtcNow - hit.AtUtc < Fresh
            && hit.Description.Version >= gateway.Copies.Newest(modelId))
            return hit.Description;
        var reply = await gateway.DescribeAsync(modelId, options.PredictTimeout).WaitAsync(ct);
        if (reply is not ModelDescription description)
            throw new ModelUnavailableException(reply is ModelFailed f ? $"{f.Code}: {f.Message}" : $"unexpected reply {reply.GetType().Name}");
        if (description.Trained) _entries[modelId] = (description, DateTime.UtcNow);
        else _entries.TryRemove(modelId, out _);
        return description;
    }

    /// <summary>Called with the version a reply came from: a different one means the cached features may be stale.</summary>
    public void Seen(string modelId, long version)
    {
        if (_entries.TryGetValue(modelId, out var hit) && hit.Description.Version != version) _entries.TryRemove(modelId, out _);
    }

    public void Forget(string modelId) => _entries.TryRemove(modelId, out _);
}

/// <summary>The cluster could not describe the model (no node, timeout): the service is not ready for it (503).</summary>
public sealed class ModelUnavailableException(string message) : Exception(message);
