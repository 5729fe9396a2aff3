// The API keys a running `serve` checks: the key file as it is now, so `serve keys add` and `serve keys revoke` take
// effect without a restart. The file's last-write time and size are looked at on a request, at most once a second, and a
// changed file is read and swapped in whole. A file that cannot be read or parsed never opens the service: the keys
// loaded before stay in force and one error is logged for that version of the file.
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
    // The file version last read (loaded or refused). Unknown at first: the file the caller parsed may have changed since.
    private FileStamp? _seen;

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

    private void Check(string path)
    {
        if (!_checking.TryEnter()) return; // another request is looking: this one uses the keys in force
        try
        {
            var now = Environment.TickCount64;
            if (now < _nextCheckMs) return;
            Volatile.Write(ref _nextCheckMs, now + _intervalMs);
            var stamp = FileStamp.Of(path);
            if (stamp == _seen) return;
            _seen = stamp;
            Reload(path);
        }
        finally { _checking.Exit(); }
    }

    private void Reload(string path)
    {
        var before = _store;
        ApiKeyStore loaded;
        try { loaded = ApiKeyStore.Parse(File.ReadAllText(path), path); }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            _log.LogError("API key file changed but cannot be used, so the {Count} key(s) loaded before stay in force until it is fixed: {Problem}",
                before.Keys.Count, e.Message);
            return;
        }
        _store = loaded;
        if (SameKeys(before, loaded)) return;
        if (loaded.Keys.Count == 0) _log.LogWarning("API key file {Path} now holds no key: every request is refused", path);
        else _log.LogWarning("API key file {Path} reloaded: {Count} key(s) ({Ids})", path, loaded.Keys.Count,
            string.Join(", ", loaded.Keys.Select(k => k.Id)));
    }

    private static bool SameKeys(ApiKeyStore a, ApiKeyStore b) => a.Keys.SequenceEqual(b.Keys, ApiKeyComparer.Instance);

    /// <summary>What tells a changed file: its last-write time and size (a rewrite by `serve keys` also renames a new file in).</summary>
    private readonly record struct FileStamp(bool Exists, DateTime LastWriteUtc, long Length)
    {
        public static FileStamp Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(true, info.LastWriteTimeUtc, info.Length) : new FileStamp(false, default, 0);
        }
    }

    /// <summary>Keys compared by what they grant (the records hold a list, which record equality compares by reference).</summary>
    private sealed class ApiKeyComparer : IEqualityComparer<ApiKey>
    {
        public static readonly ApiKeyComparer Instance = new();

        public bool Equals(ApiKey? x, ApiKey? y) => x is not null && y is not null && x.Id == y.Id && x.Sha256 == y.Sha256
            && x.Labels == y.Labels && x.RateLimit == y.RateLimit && x.Scopes.SequenceEqual(y.Scopes);

        public int GetHashCode(ApiKey key) => HashCode.Combine(key.Id, key.Sha256);
    }
}
