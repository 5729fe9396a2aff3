namespace AntiNex.Persistence.Redis;

/// <summary>A write at a sequence number the journal already holds: another writer of the same persistence id is
/// alive (e.g. a second cluster on the same Redis). The write is refused whole; the writer's persist fails.</summary>
public sealed class JournalSequenceConflictException(string persistenceId, long sequenceNr, long storedHighest)
    : Exception($"journal refused sequence number {sequenceNr} of '{persistenceId}': it already holds up to {storedHighest}; " +
                "another writer of this persistence id is active (two clusters on one Redis?)")
{
    public string PersistenceId { get; } = persistenceId;
    public long SequenceNr { get; } = sequenceNr;
    public long StoredHighest { get; } = storedHighest;
}
