// Snapshot of a model entity: the artifact plus its metadata. Manifest snapshot.v2; snapshot.v1 has the same envelope
// (int32 header length | JSON header | raw artifact bytes) and header shape, and is read into this record.
namespace AntiNex.Models;

// RecentRequests: the ids of the last train requests that produced a version (newest last), so that a re-sent request
// is recognised after the events that named it are behind the snapshot.
// PendingRequests: train requests accepted before this snapshot and not finished (in order): their events are behind it
// and not replayed, so recovery takes them from here. Absent (snapshots written before it existed) means none.
// EndedRequests: the last train requests that ended without a version for good (cancelled, refused, failed), so that a
// job submitted again under its id is not run again. Absent in older snapshots.
public sealed record StoredModelSnapshot(string Label, long Version, DateTimeOffset TrainedUtc, StoredModelSummary Summary,
    StoredModelMetrics Metrics, byte[] Artifact, IReadOnlyList<string>? RecentRequests = null,
    IReadOnlyList<StoredTrainingAccepted>? PendingRequests = null, IReadOnlyList<StoredTrainingEnded>? EndedRequests = null)
    : IAntiNexMessage;
