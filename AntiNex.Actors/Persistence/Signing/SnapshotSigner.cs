// HMAC-SHA256 over a stored snapshot: the payload bytes plus everything that says what they are (persistence id,
// sequence number, timestamp, serializer, manifest, length). Binding the id and sequence number means a validly signed
// snapshot of one label copied under another label, or under another sequence number, is refused too.
namespace AntiNex.Persistence.Signing;

/// <summary>What a signature covers besides the payload.</summary>
public readonly record struct SnapshotIdentity(string PersistenceId, long SequenceNr, long TimestampTicks, int SerializerId, string Manifest);

/// <summary>Outcome of <see cref="SnapshotSigner.Verify"/>; <see cref="Reason"/> explains a refusal.</summary>
public readonly record struct Verification(bool Ok, string Reason)
{
    public static readonly Verification Valid = new(true, "");
    public static Verification Refused(string reason) => new(false, reason);
}

/// <summary>Signs with the current key; verifies with the current key or any previous (rotation) key.</summary>
public sealed class SnapshotSigner
{
    /// <summary>Scheme tag stored in front of each signature, so another scheme can be added later.</summary>
    public const string Scheme = "hs256";

    private static readonly byte[] Domain = "antinex-snapshot/v1"u8.ToArray();
    private static readonly MacFunction<SnapshotIdentity> MacOf = Mac;
    private readonly KeyRing _keys;

    public SnapshotSigner(SigningKey current, IEnumerable<SigningKey>? previous = null) => _keys = new KeyRing(current, previous);

    public string KeyId => _keys.KeyId;

    /// <summary>"hs256:&lt;key id&gt;:&lt;hex mac&gt;" (no '|': it is stored inside a '|'-separated record).</summary>
    public string Sign(SnapshotIdentity identity, ReadOnlySpan<byte> payload) => _keys.Sign(MacOf, identity, payload);

    public Verification Verify(SnapshotIdentity identity, ReadOnlySpan<byte> payload, string? signature) =>
        _keys.Verify(MacOf, identity, payload, signature, "its signature does not match its content (altered after it was stored, key {key})");

    private static byte[] Mac(SigningKey key, SnapshotIdentity id, ReadOnlySpan<byte> payload)
    {
        using var hmac = key.NewHmac();
        hmac.AppendData(Domain);
        MacFields.Text(hmac, id.PersistenceId);
        MacFields.Int64(hmac, id.SequenceNr);
        MacFields.Int64(hmac, id.TimestampTicks);
        MacFields.Int64(hmac, id.SerializerId);
        MacFields.Text(hmac, id.Manifest);
        MacFields.Payload(hmac, payload);
        return hmac.GetHashAndReset();
    }
}
