// Journal event of a model entity. Manifest ev-trained.v2; ev-trained.v1 (written when events embedded the engine's
// summary record) has the same JSON shape and is read into this record.
namespace AntiNex.Models;

/// <summary>Version N was trained. Its artifact lives in the snapshot saved right after; an event without that
/// snapshot (a crash or a failed store between the two) is an orphan: recovery keeps serving the snapshot's version.
/// <paramref name="RequestId"/>: the train request it answers (closes its <see cref="StoredTrainingAccepted"/>).</summary>
public sealed record StoredModelTrained(long Version, DateTimeOffset TrainedUtc, StoredModelSummary Summary, StoredModelMetrics Metrics,
    string? RequestId = null) : IAntiNexMessage;
