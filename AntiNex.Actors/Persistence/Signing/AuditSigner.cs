// HMAC-SHA256 over one audit entry: every field as stored (name and value, in order) and the stream it is stored in.
// Nodes hold the key; whoever holds only the Redis password can still add entries to the stream, but not ones that verify.

namespace AntiNex.Persistence.Signing;

/// <summary>What an audit entry's signature covers: the stream and its fields, the signature field excluded.</summary>
public readonly record struct AuditRecord(string Stream, IReadOnlyList<KeyValuePair<string, string>> Fields);

/// <summary>Signs with the current key; verifies with the current key or any previous (rotation) key. The same keys as
/// the snapshot and event signers, its own domain: no other record's signature verifies as an audit entry's.</summary>
public sealed class AuditSigner
{
    private static readonly byte[] Domain = "antinex-audit/v1"u8.ToArray();
    private static readonly MacFunction<AuditRecord> MacOf = Mac;
    private readonly KeyRing _keys;

    public AuditSigner(SigningKey current, IEnumerable<SigningKey>? previous = null) => _keys = new KeyRing(current, previous);

    public string KeyId => _keys.KeyId;

    /// <summary>"hs256:&lt;key id&gt;:&lt;hex mac&gt;".</summary>
    public string Sign(AuditRecord record) => _keys.Sign(MacOf, record, default);

    public Verification Verify(AuditRecord record, string? signature) =>
        _keys.Verify(MacOf, record, default, signature, "its signature does not match its fields (altered after it was written, key {key})");

    private static byte[] Mac(SigningKey key, AuditRecord record, ReadOnlySpan<byte> _)
    {
        using var hmac = key.NewHmac();
        hmac.AppendData(Domain);
        MacFields.Text(hmac, record.Stream);
        MacFields.Int64(hmac, record.Fields.Count);
        foreach (var (name, value) in record.Fields)
        {
            MacFields.Text(hmac, name);
            MacFields.Text(hmac, value);
        }
        return hmac.GetHashAndReset();
    }
}
