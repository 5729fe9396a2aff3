// Local (same-node) notices an entity publishes on the actor system's EventStream. Other node-level services subscribe
// to them (the audit writer, the replica announcer) so the entity needs to know nothing of Redis streams or replicas.
namespace AntiNex.Models;

/// <summary>Who asked for a command and through which door: a certificate subject (cluster console), an API key id
/// (HTTP API) or a queue name, plus the client address when known. Carried by mutating commands.</summary>
public sealed record RequestOrigin(string? Subject = null, string? ApiKeyId = null, string? Client = null, string? Via = null)
{
    public override string ToString()
        => string.Join(" ", new[] { Subject, ApiKeyId is null ? null : "key:" + ApiKeyId, Via, Client }.Where(s => !string.IsNullOrEmpty(s)));
}

/// <summary>A mutating command finished (ok or failed): train, forget, cancel, search-retrain, queue request.
/// Published once per command on the EventStream by the node that executed it.</summary>
public sealed record ModelCommandAudited(
    string Action, string Label, RequestOrigin? Origin, string? RequestId, string Result, string? Detail,
    DateTimeOffset AtUtc, string Node);

/// <summary>The label's serving version changed on its single writer: a new version is stored and serving, or the
/// label was forgotten (Version 0, Forgotten true). Published after the store succeeded, never before.</summary>
public sealed record ModelVersionChanged(string ModelId, long Version, bool Forgotten);
