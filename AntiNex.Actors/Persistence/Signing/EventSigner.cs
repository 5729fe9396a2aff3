// HMAC-SHA256 over a stored journal event: its bytes plus the persistence id and sequence number it is stored under,
// and the serializer and manifest that read them. A validly signed event copied under another persistence id or moved
// to another sequence number is refused like an altered one.
namespace AntiNex.Persistence.Signing;

/// <summary>What an event's signature covers besides its bytes.</summary>
public readonly record struct EventIdentity(string PersistenceId, long SequenceNr, int SerializerId, string Manifest);

/// <summary>Signs with the current key; verifies with the current key or any previous (rotation) key. The same keys as
/// <see cref="SnapshotSigner"/>, another domain: a snapshot's signature never verifies as an event's, nor the reverse.</summary>
public sealed class EventSigner
{
    private static readonly byte[] Domain = "antinex-journal/v1"u8.ToArray();
    private static readonly MacFunction<EventIdentity> MacOf = Mac;
    private readonly KeyRing _keys;

    public EventSigner(SigningKey current, IEnumerable<SigningKey>? previous = null) => _keys = new KeyRing(current, previous);

    public string KeyId => _keys.KeyId;

    /// <summary>"hs256:&lt;key id&gt;:&lt;hex mac&gt;", ASCII.</summary>
    public string Sign(EventIdentity identity, ReadOnlySpan<byte> payload) => _keys.Sign(MacOf, identity, payload);

    public Verification Verify(EventIdentity identity, ReadOnlySpan<byte> payload, string? signature) =>
        _keys.Verify(MacOf, identity, payload, signature,
            "its signature does not match it (altered, or copied from another persistence id or sequence number, after it was " +
            "stored; key {key})");

    private static byte[] Mac(SigningKey key, EventIdentity id, ReadOnlySpan<byte> payload)
    {
        using var hmac = key.NewHmac();
        hmac.AppendData(Domain);
        MacFields.Text(hmac, id.PersistenceId);
        MacFields.Int64(hmac, id.SequenceNr);
        MacFields.Int64(hmac, id.SerializerId);
        MacFields.Text(hmac, id.Manifest);
        MacFields.Payload(hmac, payload);
        return hmac.GetHashAndReset();
    }
}

/// <summary>A stored event was refused while replaying: its signature did not verify, it had none, or its stored form is
/// malformed. Recovery of <see cref="PersistenceId"/> fails with it: the events after it cannot be applied without it.</summary>
public sealed class EventRefusedException(string persistenceId, long sequenceNr, string reason, string remedy)
    : Exception($"Journal event {persistenceId}#{sequenceNr} REFUSED: {reason}. Recovery of {persistenceId} fails; {remedy}")
{
    public string PersistenceId { get; } = persistenceId;
    public long SequenceNr { get; } = sequenceNr;
    public string Reason { get; } = reason;
}
