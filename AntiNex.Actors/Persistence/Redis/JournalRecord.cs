using System.Text;

namespace AntiNex.Persistence.Redis;

/// <summary>
/// The stored form of one journal event (a member of the events sorted set).
/// Unsigned (no key, and every record stored before signing): the serialized Akka <c>Persistent</c> envelope as it is.
/// Signed: <c>0x00</c>, version <c>0x01</c>, the signature's length (1 byte), the signature (ASCII
/// <c>hs256:&lt;key id&gt;:&lt;mac hex&gt;</c>), then the envelope. The envelope is protobuf, which begins with a field
/// tag; field numbers start at 1, so its first byte is never <c>0x00</c> and an old record is never read as a signed one.
/// </summary>
internal readonly record struct JournalRecord(byte[] Envelope, string? Signature)
{
    public const byte Marker = 0x00;
    public const byte Version = 0x01;
    private const int HeaderBytes = 3;

    public static byte[] Signed(ReadOnlySpan<byte> envelope, string signature)
    {
        var sig = Encoding.ASCII.GetBytes(signature);
        if (sig.Length > byte.MaxValue) throw new ArgumentException($"signature of {sig.Length} bytes does not fit the record", nameof(signature));
        var stored = new byte[HeaderBytes + sig.Length + envelope.Length];
        stored[0] = Marker;
        stored[1] = Version;
        stored[2] = (byte)sig.Length;
        sig.CopyTo(stored, HeaderBytes);
        envelope.CopyTo(stored.AsSpan(HeaderBytes + sig.Length));
        return stored;
    }

    /// <summary>The envelope and its signature (null: stored unsigned); null with <paramref name="malformed"/> set when
    /// the record claims a signature but cannot be taken apart.</summary>
    public static JournalRecord? Read(byte[] stored, out string? malformed)
    {
        malformed = null;
        if (stored.Length == 0 || stored[0] != Marker) return new JournalRecord(stored, null);
        if (stored.Length < HeaderBytes || stored[1] != Version)
        {
            malformed = stored.Length >= 2 && stored[1] != Version
                ? $"its stored form has unknown version {stored[1]}"
                : "its stored form is truncated";
            return null;
        }
        var sigLength = stored[2];
        if (stored.Length < HeaderBytes + sigLength)
        {
            malformed = "its stored form is truncated";
            return null;
        }
        var signature = Encoding.ASCII.GetString(stored, HeaderBytes, sigLength);
        return new JournalRecord(stored[(HeaderBytes + sigLength)..], signature);
    }
}
