// The snapshot store refuses a snapshot it cannot verify and offers an older one (or none); the refusal itself is
// remembered here, per persistence id, so the recovering actor can say why it has less than its journal promises.
using System.Collections.Concurrent;
using Akka.Actor;

namespace AntiNex.Persistence.Signing;

/// <summary>One refused snapshot: which one, and why.</summary>
public sealed record SnapshotRefusal(string PersistenceId, long SequenceNr, string Reason, DateTimeOffset AtUtc);

/// <summary>Per-actor-system registry of the latest refusal per persistence id (bounded; newest wins).</summary>
public sealed class SnapshotRefusals : IExtension
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, SnapshotRefusal> _latest = new(StringComparer.Ordinal);

    public static SnapshotRefusals Get(ActorSystem system) => system.WithExtension<SnapshotRefusals, SnapshotRefusalsProvider>();

    /// <summary>Total refusals since start (also the node's metric).</summary>
    public long Count => Interlocked.Read(ref _count);
    private long _count;

    public void Record(SnapshotRefusal refusal)
    {
        Interlocked.Increment(ref _count);
        if (_latest.Count >= Capacity) _latest.Clear(); // a flood of refusals must not grow memory without bound
        _latest[refusal.PersistenceId] = refusal;
    }

    /// <summary>The latest refusal for this persistence id at or above <paramref name="minSequenceNr"/>, if any.</summary>
    public SnapshotRefusal? Find(string persistenceId, long minSequenceNr = 0) =>
        _latest.TryGetValue(persistenceId, out var r) && r.SequenceNr >= minSequenceNr ? r : null;

    /// <summary>A snapshot at or above this sequence number was stored validly again (a newer version replaced it).</summary>
    public void Clear(string persistenceId) => _latest.TryRemove(persistenceId, out _);
}

public sealed class SnapshotRefusalsProvider : ExtensionIdProvider<SnapshotRefusals>
{
    public override SnapshotRefusals CreateExtension(ExtendedActorSystem system) => new();
}
