// A cluster's HMAC key for stored snapshots, read from a secret file. The key bytes never leave this type: no
// ToString, no logging; only a short key id (an HMAC of a constant, which reveals nothing of the key) is shown.
using System.Security.Cryptography;
using System.Text;

namespace AntiNex.Persistence.Signing;

public sealed class SigningKey
{
    /// <summary>HMAC-SHA256 keys shorter than its 32-byte output weaken it; refuse them.</summary>
    public const int MinimumBytes = 32;

    private readonly byte[] _key;

    private SigningKey(byte[] key, string source)
    {
        _key = key;
        Source = source;
        Id = Convert.ToHexStringLower(HMACSHA256.HashData(key, "antinex-key-id"u8))[..12];
    }

    /// <summary>Short public fingerprint stored next to each signature (picks the key when several are accepted).</summary>
    public string Id { get; }

    /// <summary>Where the key came from (a file path), for messages; never the key.</summary>
    public string Source { get; }

    /// <summary>The file's content with surrounding whitespace trimmed (a trailing newline is harmless) is the key.</summary>
    public static SigningKey FromFile(string path, string setting)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new SigningKeyException($"{setting}: no key file given");
        byte[] raw;
        try { raw = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new SigningKeyException($"{setting}: key file not found: {path}"); }
        catch (DirectoryNotFoundException) { throw new SigningKeyException($"{setting}: key file not found: {path}"); }
        catch (UnauthorizedAccessException) { throw new SigningKeyException($"{setting}: key file is not readable: {path}"); }
        catch (IOException e) { throw new SigningKeyException($"{setting}: key file could not be read ({e.Message}): {path}"); }
        var key = Trim(raw);
        if (key.Length < MinimumBytes)
            throw new SigningKeyException($"{setting}: key in {path} has {key.Length} bytes, at least {MinimumBytes} are needed " +
                                          "(create one with: openssl rand -base64 48 > FILE; chmod 600 FILE)");
        if (key.Distinct().Count() < 8)
            throw new SigningKeyException($"{setting}: key in {path} repeats too few distinct bytes to be a random key " +
                                          "(create one with: openssl rand -base64 48 > FILE)");
        return new SigningKey(key, path);
    }

    /// <summary>The signing key and the earlier (rotation) keys still accepted, each read by <see cref="FromFile"/>; the
    /// setting names say which option named a file that cannot be used.</summary>
    public static (SigningKey Current, IReadOnlyList<SigningKey> Previous) Ring(string path, IEnumerable<string> previous,
        string setting, string previousSetting)
        => (FromFile(path, setting), previous.Select(f => FromFile(f, previousSetting)).ToList());

    /// <summary>A key from bytes already in memory (tests, benchmarks).</summary>
    public static SigningKey FromBytes(byte[] key, string source = "memory")
    {
        if (key.Length < MinimumBytes) throw new SigningKeyException($"signing key has {key.Length} bytes, at least {MinimumBytes} are needed");
        return new SigningKey(key.ToArray(), source);
    }

    /// <summary>Whether others than the owner may read the file although this process could make it owner-only (a
    /// warning, not an error). A file this process may not chmod is someone else's, such as a container secret mounted
    /// read-only and group- or world-readable so the node's user can read it at all: "chmod 600" would lock it out.</summary>
    public static bool IsNeedlesslyReadableByOthers(string path)
    {
        if (OperatingSystem.IsWindows()) return false;
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) == 0) return false;
        // Setting the mode the file has changes nothing; it fails exactly where chmod 600 would.
        try { File.SetUnixFileMode(path, mode); return true; }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return false; }
    }

    internal IncrementalHash NewHmac() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);

    public override string ToString() => $"signing key {Id} ({Source})";

    private static byte[] Trim(byte[] raw)
    {
        var start = 0;
        var end = raw.Length;
        while (start < end && IsSpace(raw[start])) start++;
        while (end > start && IsSpace(raw[end - 1])) end--;
        return raw[start..end];
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}

/// <summary>A key file is missing, unreadable or too short; the message names the setting and the file, never the key.</summary>
public sealed class SigningKeyException(string message) : Exception(message);
