// API keys at rest: a JSON file (or the same JSON in an environment variable) holding each key's SHA-256, never the
// secret. A secret is 32 random bytes, so a plain SHA-256 is enough (no password stretching is needed).
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AntiNex.Gateway.Http.Auth;

public sealed class ApiKeyStore
{
    public const string EnvVariable = "ANTINEX_API_KEYS";
    private const string SecretPrefix = "anx_";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    private readonly (ApiKey Key, byte[] Hash)[] _keys;

    public ApiKeyStore(IEnumerable<ApiKey> keys)
    {
        Keys = keys.ToList();
        _keys = Keys.Select(k => (k, Convert.FromHexString(k.Sha256))).ToArray();
    }

    public IReadOnlyList<ApiKey> Keys { get; }

    /// <summary>No key: every request is refused.</summary>
    public static readonly ApiKeyStore Empty = new([]);

    /// <summary>The key whose hash matches the presented secret, or null. Every stored hash is compared in constant time.
    /// A secret of usual length is hashed from the stack: no allocation per request.</summary>
    public ApiKey? Find(ReadOnlySpan<char> secret)
    {
        const int StackBytes = 512;
        var length = Encoding.UTF8.GetMaxByteCount(secret.Length);
        var utf8 = length <= StackBytes ? stackalloc byte[StackBytes] : new byte[length];
        var written = Encoding.UTF8.GetBytes(secret, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..written], hash);
        ApiKey? found = null;
        foreach (var (key, stored) in _keys)
            if (CryptographicOperations.FixedTimeEquals(hash, stored)) found = key;
        return found;
    }

    public static ApiKeyStore Parse(string json, string origin)
    {
        KeyFile? file;
        try { file = JsonSerializer.Deserialize<KeyFile>(json, Json); }
        catch (JsonException e) { throw new ArgumentException($"{origin}: not a key file ({e.Message})"); }
        var keys = file?.Keys ?? [];
        for (var i = 0; i < keys.Count; i++)
        {
            var k = keys[i];
            if (k is null) throw new ArgumentException($"{origin}: keys[{i}]: null, a key object expected");
            if (string.IsNullOrWhiteSpace(k.Id)) throw new ArgumentException($"{origin}: keys[{i}].id: required");
            if (k.Sha256 is null || k.Sha256.Length != 64 || !k.Sha256.All(Uri.IsHexDigit))
                throw new ArgumentException($"{origin}: keys[{i}].sha256: 64 hex digits expected");
            // Kept as read ("Read", " train" become read, train): the checks compare scopes as `keys add` stores them.
            try { keys[i] = k with { Scopes = ApiScope.Parse(string.Join(',', k.Scopes ?? [])) }; }
            catch (ArgumentException e) { throw new ArgumentException($"{origin}: keys[{i}].{e.Message}"); }
            if (k.RateLimit is < 0) throw new ArgumentException($"{origin}: keys[{i}].rate_limit: must be >= 0");
        }
        var duplicate = keys.GroupBy(k => k.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"{origin}: key id '{duplicate.Key}' appears twice");
        return new ApiKeyStore(keys);
    }

    /// <summary>From --api-keys FILE, else from $ANTINEX_API_KEYS (the file's JSON); null when neither is given.</summary>
    public static ApiKeyStore? Load(string? path)
    {
        if (!string.IsNullOrWhiteSpace(path))
        {
            if (!File.Exists(path)) throw new ArgumentException($"--api-keys: '{path}' does not exist (create it with `serve keys add`)");
            return Parse(File.ReadAllText(path), path);
        }
        var env = Environment.GetEnvironmentVariable(EnvVariable);
        return string.IsNullOrWhiteSpace(env) ? null : Parse(env, "$" + EnvVariable);
    }

    /// <summary>Adds a key to the file (created 0600 when missing) and returns its secret: the only time it exists.</summary>
    public static string AddToFile(string path, string id, IReadOnlyList<string> scopes, string labels, int? rateLimit)
    {
        using var _ = FileLock.Take(path);
        var existing = File.Exists(path) ? Parse(File.ReadAllText(path), path).Keys.ToList() : [];
        if (existing.Any(k => k.Id == id)) throw new ArgumentException($"--id: a key named '{id}' is already in {path}");
        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        existing.Add(new ApiKey(id, hash, scopes, labels, rateLimit, DateTimeOffset.UtcNow));
        Write(path, existing);
        return secret;
    }

    /// <summary>Removes a key from the file; throws ArgumentException naming the keys there when it holds no such key.</summary>
    public static void RemoveFromFile(string path, string id)
    {
        using var _ = FileLock.Take(path);
        if (!File.Exists(path)) throw new ArgumentException($"--file: '{path}' does not exist");
        var existing = Parse(File.ReadAllText(path), path).Keys.ToList();
        if (existing.RemoveAll(k => k.Id == id) == 0)
            throw new ArgumentException($"--id: no key named '{id}' in {path} (keys: {string.Join(", ", existing.Select(k => k.Id))})");
        Write(path, existing);
    }

    /// <summary>Written to a temporary file (0600), then renamed over the file: a running `serve` never reads half a file.</summary>
    private static void Write(string path, List<ApiKey> keys)
    {
        var text = JsonSerializer.Serialize(new KeyFile(keys), Json);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream)) writer.Write(text);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>One `serve keys` writer at a time per file: two at once would each rewrite the file from what they read, and
    /// one change (a revoke that reported success) would be lost.</summary>
    private static class FileLock
    {
        public static FileStream Take(string path)
        {
            var lockPath = path + ".lock";
            var deadline = Environment.TickCount64 + 10_000;
            while (true)
            {
                try
                {
                    var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                    if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                    return new FileStream(lockPath, options);
                }
                catch (IOException) when (Environment.TickCount64 < deadline) { Thread.Sleep(50); }
                catch (IOException e) { throw new ArgumentException($"--file: '{path}' is being changed by another `serve keys` ({e.Message})"); }
            }
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record KeyFile(List<ApiKey> Keys);
}
