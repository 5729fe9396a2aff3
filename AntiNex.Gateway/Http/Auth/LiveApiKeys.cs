// The API keys a running `serve` checks: the key file as it is now, so `serve keys add` and `serve keys revoke` take
// effect without a restart. On a request, at most once a second, the file is read (through any symlink: a mounted secret
// is swapped by relinking) and its bytes hashed; changed bytes are parsed and swapped in whole. A file that cannot be
// parsed never opens the service: the keys loaded before stay in force and one error is logged for those bytes. A file
// that cannot be read is tried again at the next check. A deleted file holds no key: every request is refused. `serve`
// also looks every few seconds without a request, and ends the jobs of keys that lost the right (Changed).
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Http.Auth;

public sealed class LiveApiKeys
{
    public static readonly TimeSpan DefaultCheckInterval = TimeSpan.FromSeconds(1);

    private readonly string? _path;
    private readonly ILogger _log;
    private readonly long _intervalMs;
    private readonly Lock _checking = new();
    private volatile ApiKeyStore _store;
    private long _nextCheckMs;
    // The SHA-256 of the bytes last parsed (loaded or refused). Unknown at first: the file the caller parsed may have changed.
    private string? _seen;
    // The read error last logged, so an unreadable file is logged once, not once a second.
    private string? _unreadable;

    /// <param name="path">The key file to follow; null for keys that cannot change (from the environment).</param>
    public LiveApiKeys(ApiKeyStore initial, string? path, ILogger log, TimeSpan? checkInterval = null)
    {
        _store = initial;
        _path = path;
        _log = log;
        _intervalMs = (long)(checkInterval ?? DefaultCheckInterval).TotalMilliseconds;
    }

    /// <summary>The keys in force, after reading the file again if it changed (checked at most once per interval).</summary>
    public ApiKeyStore Current
    {
        get
        {
            if (_path is not null && Environment.TickCount64 >= Volatile.Read(ref _nextCheckMs)) Check(_path);
            return _store;
        }
    }

    public ApiKey? Find(ReadOnlySpan<char> secret) => Current.Find(secret);

    /// <summary>The keys in force, without looking at the file: for a check that must not itself start a reload.</summary>
    public ApiKeyStore InForce => _store;

    /// <summary>Raised with the new keys once a reload changed what they grant (on the thread that noticed it).</summary>
    public event Action<ApiKeyStore>? Changed;

    private void Check(string path)
    {
        if (!_checking.TryEnter()) return; // another request is looking: this one uses the keys in force
        try
        {
            var now = Environment.TickCount64;
            if (now < _nextCheckMs) return;
            Volatile.Write(ref _nextCheckMs, now + _intervalMs);
            Reload(path);
        }
        finally { _checking.Exit(); }
    }

    private void Reload(string path)
    {
        var before = _store;
        byte[] bytes;
        try { bytes = File.Exists(path) ? File.ReadAllBytes(path) : []; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not marked as seen: fixing a file's permissions changes neither its bytes nor its time, so read again next time.
            if (_unreadable != e.Message)
                _log.LogError("API key file cannot be read, so the {Count} key(s) loaded before stay in force: {Problem}",
                    before.Keys.Count, e.Message);
            _unreadable = e.Message;
            return;
        }
        _unreadable = null;
        var hash = Convert.ToHexString(SHA256.HashData(bytes));
        if (hash == _seen) return;
        _seen = hash;
        ApiKeyStore loaded;
        if (bytes.Length == 0 && !File.Exists(path)) loaded = ApiKeyStore.Empty;
        else
            try { loaded = ApiKeyStore.Parse(Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF'), path); }
            catch (Exception e) when (e is not OutOfMemoryException) // whatever the bytes hold, the keys in force stay
            {
                _log.LogError("API key file changed but cannot be used, so the {Count} key(s) loaded before stay in force "
                    + "until it is fixed: {Problem}",
                    before.Keys.Count, e.Message);
                return;
            }
        _store = loaded;
        if (SameKeys(before, loaded)) return;
        if (loaded.Keys.Count == 0) _log.LogWarning("API key file {Path} now holds no key (or is gone): every request is refused", path);
        else _log.LogWarning("API key file {Path} reloaded: {Count} key(s) ({Ids})", path, loaded.Keys.Count,
            string.Join(", ", loaded.Keys.Select(k => k.Id)));
        try { Changed?.Invoke(loaded); }
        catch (Exception e) { _log.LogError(e, "acting on the reloaded API keys failed"); } // the keys are in force regardless
    }

    private static bool SameKeys(ApiKeyStore a, ApiKeyStore b) => a.Keys.SequenceEqual(b.Keys, ApiKeyComparer.Instance);

    /// <summary>Keys compared by what they grant (the records hold a list, which record equality compares by reference).</summary>
    private sealed class ApiKeyComparer : IEqualityComparer<ApiKey>
    {
        public static readonly ApiKeyComparer Instance = new();

        public bool Equals(ApiKey? x, ApiKey? y) => x is not null && y is not null && x.Id == y.Id && x.Sha256 == y.Sha256
            && x.Labels == y.Labels && x.RateLimit == y.RateLimit && x.Scopes.SequenceEqual(y.Scopes);

        public int GetHashCode(ApiKey key) => HashCode.Combine(key.Id, key.Sha256);
    }
}
