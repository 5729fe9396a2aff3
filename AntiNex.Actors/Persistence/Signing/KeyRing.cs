// The keys of one signer and the text form of its signatures, shared by the snapshot and the event signer. What a MAC
// covers is each signer's own; each starts its MAC with its own domain string, so one kind's MAC never passes as the other's.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AntiNex.Persistence.Signing;

/// <summary>Computes the MAC of one identity and payload with one key.</summary>
internal delegate byte[] MacFunction<TIdentity>(SigningKey key, TIdentity identity, ReadOnlySpan<byte> payload);

/// <summary>Signs with the current key; verifies with the current key or any previous (rotation) key.</summary>
internal sealed class KeyRing
{
    private readonly SigningKey _current;
    private readonly Dictionary<string, SigningKey> _byId;

    public KeyRing(SigningKey current, IEnumerable<SigningKey>? previous)
    {
        _current = current;
        _byId = new Dictionary<string, SigningKey>(StringComparer.Ordinal) { [current.Id] = current };
        foreach (var key in previous ?? []) _byId.TryAdd(key.Id, key);
    }

    public string KeyId => _current.Id;

    /// <summary>"hs256:&lt;key id&gt;:&lt;hex mac&gt;" (no '|': the snapshot store keeps it inside a '|'-separated record).</summary>
    public string Sign<TIdentity>(MacFunction<TIdentity> mac, TIdentity identity, ReadOnlySpan<byte> payload) =>
        $"{SnapshotSigner.Scheme}:{_current.Id}:{Convert.ToHexStringLower(mac(_current, identity, payload))}";

    /// <param name="mismatch">The refusal when a key we hold made a signature that does not match, in the signer's own words;
    /// "{key}" is replaced by that key's id.</param>
    public Verification Verify<TIdentity>(MacFunction<TIdentity> mac, TIdentity identity, ReadOnlySpan<byte> payload, string? signature,
        string mismatch)
    {
        if (string.IsNullOrEmpty(signature)) return Verification.Refused("it carries no signature (stored unsigned)");
        var parts = signature.Split(':');
        if (parts.Length != 3 || parts[0] != SnapshotSigner.Scheme) return Verification.Refused("its signature has an unknown format");
        if (!_byId.TryGetValue(parts[1], out var key))
            return Verification.Refused($"it was signed with key {parts[1]}, which this node does not hold (current key {_current.Id})");
        byte[] claimed;
        try { claimed = Convert.FromHexString(parts[2]); }
        catch (FormatException) { return Verification.Refused("its signature is not hexadecimal"); }
        // One spelling only (as signed: lower case): a copy of a record with its signature re-spelled is another stored
        // member, and would otherwise verify beside the original.
        if (!string.Equals(parts[2], Convert.ToHexStringLower(claimed), StringComparison.Ordinal))
            return Verification.Refused("its signature is not written as this store writes it");
        var actual = mac(key, identity, payload);
        return CryptographicOperations.FixedTimeEquals(actual, claimed)
            ? Verification.Valid
            : Verification.Refused(mismatch.Replace("{key}", key.Id, StringComparison.Ordinal));
    }
}

/// <summary>Length-prefixed fields: no two different identities produce the same byte stream.</summary>
internal static class MacFields
{
    public static void Text(IncrementalHash hmac, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Int64(hmac, bytes.Length);
        hmac.AppendData(bytes);
    }

    public static void Int64(IncrementalHash hmac, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(buffer, value);
        hmac.AppendData(buffer);
    }

    public static void Payload(IncrementalHash hmac, ReadOnlySpan<byte> payload)
    {
        Int64(hmac, payload.Length);
        hmac.AppendData(payload);
    }
}
