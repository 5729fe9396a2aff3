// Snapshot of a model entity: the artifact plus its metadata. Manifest snapshot.v2; snapshot.v1 has the same envelope
// (int32 header length | JSON header | raw artifact bytes) and header shape, and is read into this record.
namespace AntiNex.Models;

// RecentRequests: the ids of the last train requests that produced a version (newest last), so that a re-sent request
// is recognised after the events that named it are behind the snapshot.
// PendingRequests: train requests accepted before this snapshot and not finished (in order): their events are behind it
// and not replayed, so recovery takes them from here. Absent (snapshots written before it existed) means none.
public sealed record StoredModelSnapshot(string Label, long Version, DateTimeOffset TrainedUtc, StoredModelSummary Summary,
    StoredModelMetrics Metrics, byte[] Artifact, IReadOnlyList<string>? RecentRequests = null,
    IReadOnlyList<StoredTrainingAccepted>? PendingRequests = null) : IAntiNexMessage;
