// HMAC-SHA256 over a stored snapshot: the payload bytes plus everything that says what they are (persistence id,
// sequence number, timestamp, serializer, manifest, length). Binding the id and sequence number means a validly signed
// snapshot of one label copied under another label, or under another sequence number, is refused too.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

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
    private readonly SigningKey _current;
    private readonly Dictionary<string, SigningKey> _byId;

    public SnapshotSigner(SigningKey current, IEnumerable<SigningKey>? previous = null)
    {
        _current = current;
        _byId = new Dictionary<string, SigningKey>(StringComparer.Ordinal) { [current.Id] = current };
        foreach (var key in previous ?? []) _byId.TryAdd(key.Id, key);
    }

    public string KeyId => _current.Id;

    /// <summary>"hs256:&lt;key id&gt;:&lt;hex mac&gt;" (no '|': it is stored inside a '|'-separated record).</summary>
    public string Sign(SnapshotIdentity identity, ReadOnlySpan<byte> payload) =>
        $"{Scheme}:{_current.Id}:{Convert.ToHexStringLower(Mac(_current, identity, payload))}";

    public Verification Verify(SnapshotIdentity identity, ReadOnlySpan<byte> payload, string? signature)
    {
        if (string.IsNullOrEmpty(signature)) return Verification.Refused("it carries no signature (stored unsigned)");
        var parts = signature.Split(':');
        if (parts.Length != 3 || parts[0] != Scheme) return Verification.Refused($"its signature has an unknown format");
        if (!_byId.TryGetValue(parts[1], out var key))
            return Verification.Refused($"it was signed with key {parts[1]}, which this node does not hold (current key {_current.Id})");
        byte[] claimed;
        try { claimed = Convert.FromHexString(parts[2]); }
        catch (FormatException) { return Verification.Refused("its signature is not hexadecimal"); }
        var actual = Mac(key, identity, payload);
        return CryptographicOperations.FixedTimeEquals(actual, claimed)
            ? Verification.Valid
            : Verification.Refused($"its signature does not match its content (altered after it was stored, key {key.Id})");
    }

    private static byte[] Mac(SigningKey key, SnapshotIdentity id, ReadOnlySpan<byte> payload)
    {
        using var hmac = key.NewHmac();
        hmac.AppendData(Domain);
        AppendText(hmac, id.PersistenceId);
        AppendInt64(hmac, id.SequenceNr);
        AppendInt64(hmac, id.TimestampTicks);
        AppendInt64(hmac, id.SerializerId);
        AppendText(hmac, id.Manifest);
        AppendInt64(hmac, payload.Length);
        hmac.AppendData(payload);
        return hmac.GetHashAndReset();
    }

    // Length-prefixed fields: no two different identities produce the same byte stream.
    private static void AppendText(IncrementalHash hmac, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        AppendInt64(hmac, bytes.Length);
        hmac.AppendData(bytes);
    }

    private static void AppendInt64(IncrementalHash hmac, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(buffer, value);
        hmac.AppendData(buffer);
    }
}
