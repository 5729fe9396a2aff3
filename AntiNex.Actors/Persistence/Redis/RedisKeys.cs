using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>Key layout. Every key of one persistence id carries the hash tag {pid}, so Redis Cluster keeps them in one slot.</summary>
internal sealed class RedisKeys(string prefix)
{
    private static string Tag(string persistenceId) => "{" + persistenceId + "}";

    /// <summary>Sorted set: member = serialized Persistent, score = sequence number.</summary>
    public RedisKey Events(string pid) => $"{prefix}{Tag(pid)}:events";

    /// <summary>String: highest sequence number ever written; deletes never lower or remove it.</summary>
    public RedisKey HighestSequenceNr(string pid) => $"{prefix}{Tag(pid)}:highest";

    /// <summary>Sorted set: member = sequence number (as text), score = sequence number; the snapshot index.</summary>
    public RedisKey SnapshotIndex(string pid) => $"{prefix}{Tag(pid)}:snapshots";

    /// <summary>Hash: field = sequence number, value = <see cref="SnapshotRecord"/> (small metadata).</summary>
    public RedisKey SnapshotMeta(string pid) => $"{prefix}{Tag(pid)}:snapshot-meta";

    /// <summary>String: one piece of one snapshot payload; <paramref name="generation"/> makes overwrites safe.</summary>
    public RedisKey SnapshotChunk(string pid, long sequenceNr, string generation, int index) =>
        $"{prefix}{Tag(pid)}:snapshot:{sequenceNr}:{generation}:{index}";
}
