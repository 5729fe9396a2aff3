// The key file a running `serve` follows, on a real file written by the same code as `serve keys add` and `keys revoke`:
// added keys are accepted and revoked ones refused without a restart; a file that cannot be used never opens the service.
using AntiNex.Gateway.Http.Auth;
using Microsoft.Extensions.Logging;

namespace AntiNex.Tests.Http;

public sealed class LiveApiKeysTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("antinex-live-keys-").FullName;
    private readonly LogLines _log = new();

    private string File(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Added_and_revoked_keys_apply_at_the_next_check()
    {
        var path = File("keys.json");
        var first = ApiKeyStore.AddToFile(path, "first", [ApiScope.Read], "*", null);
        var keys = new LiveApiKeys(ApiKeyStore.Load(path)!, path, _log, TimeSpan.Zero);
        Assert.Equal("first", keys.Find(first)?.Id);

        var second = ApiKeyStore.AddToFile(path, "second", [ApiScope.Predict], "web-*", 5);
        var found = keys.Find(second);
        Assert.Equal("second", found?.Id);
        Assert.Equal(5, found!.RateLimit);
        Assert.Contains(_log.Lines, l => l.Contains("reloaded: 2 key(s) (first, second)", StringComparison.Ordinal));

        ApiKeyStore.RemoveFromFile(path, "first");
        Assert.Null(keys.Find(first));
        Assert.Equal("second", keys.Find(second)?.Id);
        Assert.DoesNotContain(_log.Lines, l => l.Contains(first, StringComparison.Ordinal) || l.Contains(second, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_watch_cancels_once_its_key_is_revoked_or_narrowed_and_not_before()
    {
        var path = File("keys.json");
        var kept = ApiKeyStore.AddToFile(path, "kept", [ApiScope.Read], "*", null);
        var revoked = ApiKeyStore.AddToFile(path, "revoked", [ApiScope.Read], "*", null);
        var narrowed = ApiKeyStore.AddToFile(path, "narrowed", [ApiScope.Read], "*", null);
        var keys = new LiveApiKeys(ApiKeyStore.Load(path)!, path, _log, TimeSpan.Zero);
        var every = TimeSpan.FromMilliseconds(20);
        bool ReadsWeb(ApiKey k) => k.Has(ApiScope.Read) && k.LabelPattern.Allows("web-1");
        using var request = new CancellationTokenSource();
        await using var keptWatch = new KeyWatch(keys, keys.Find(kept)!, ReadsWeb, every, request.Token);
        await using var revokedWatch = new KeyWatch(keys, keys.Find(revoked)!, ReadsWeb, every, CancellationToken.None);
        await using var narrowedWatch = new KeyWatch(keys, keys.Find(narrowed)!, ReadsWeb, every, CancellationToken.None);

        await Task.Delay(200);
        Assert.False(revokedWatch.Token.IsCancellationRequested || narrowedWatch.Token.IsCancellationRequested);
        ApiKeyStore.RemoveFromFile(path, "revoked");
        await WaitUntil(() => revokedWatch.Token.IsCancellationRequested);
        Assert.True(revokedWatch.Revoked);

        // The same secret, now only for predict: it no longer grants what the watched answer needs.
        var file = System.Text.Json.Nodes.JsonNode.Parse(System.IO.File.ReadAllText(path))!;
        foreach (var key in file["keys"]!.AsArray().Where(k => (string?)k!["id"] == "narrowed"))
            key!["scopes"] = new System.Text.Json.Nodes.JsonArray("predict");
        System.IO.File.WriteAllText(path + ".new", file.ToJsonString());
        System.IO.File.Move(path + ".new", path, overwrite: true);
        await WaitUntil(() => narrowedWatch.Revoked);
        Assert.Equal("narrowed", keys.Find(narrowed)?.Id);
        Assert.False(keptWatch.Token.IsCancellationRequested);

        // The request ending cancels the token too, and is not a revocation.
        await request.CancelAsync();
        Assert.True(keptWatch.Token.IsCancellationRequested);
        Assert.False(keptWatch.Revoked);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "not within 10 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public void A_file_that_cannot_be_parsed_keeps_the_keys_loaded_before_and_logs_one_error_and_a_deleted_one_holds_none()
    {
        var path = File("keys.json");
        var secret = ApiKeyStore.AddToFile(path, "ops", [ApiScope.Admin], "*", null);
        var keys = new LiveApiKeys(ApiKeyStore.Load(path)!, path, _log, TimeSpan.Zero);
        System.IO.File.WriteAllText(path, "{\"keys\": [{\"id\": \"x\", \"sha256\": \"not-hex\"");
        for (var i = 0; i < 5; i++) Assert.Equal("ops", keys.Find(secret)?.Id);
        Assert.Equal("ops", keys.Find(secret)?.Id);
        var error = Assert.Single(_log.Lines, l => l.StartsWith("Error:", StringComparison.Ordinal));
        Assert.Contains("the 1 key(s) loaded before stay in force", error);
        Assert.Contains(path, error);

        // Deleted, the file holds no key: an operator who removes it revokes every key.
        System.IO.File.Delete(path);
        Assert.Null(keys.Find(secret));
        Assert.Contains(_log.Lines, l => l.Contains("now holds no key (or is gone): every request is refused", StringComparison.Ordinal));

        var other = ApiKeyStore.AddToFile(path, "other", [ApiScope.Read], "*", null);
        Assert.Null(keys.Find(secret));
        Assert.Equal("other", keys.Find(other)?.Id);
    }

    [Fact]
    public void A_file_with_every_key_revoked_refuses_every_key()
    {
        var path = File("keys.json");
        var secret = ApiKeyStore.AddToFile(path, "only", [ApiScope.Read], "*", null);
        var keys = new LiveApiKeys(ApiKeyStore.Load(path)!, path, _log, TimeSpan.Zero);
        ApiKeyStore.RemoveFromFile(path, "only");
        Assert.Null(keys.Find(secret));
        Assert.Empty(keys.Current.Keys);
        Assert.Contains(_log.Lines, l => l.Contains("now holds no key (or is gone): every request is refused", StringComparison.Ordinal));
        var e = Assert.Throws<ArgumentException>(() => ApiKeyStore.RemoveFromFile(path, "only"));
        Assert.Contains("no key named 'only'", e.Message);
    }

    [Fact]
    public void A_key_file_behind_a_symlink_follows_the_file_it_points_to()
    {
        // A mounted secret: keys.json -> data/keys.json, updated by pointing the link at a new folder. The link itself keeps
        // its own time and size; what counts is the content it leads to.
        var first = ApiKeyStore.AddToFile(File("v1.json"), "first", [ApiScope.Read], "*", null);
        var second = ApiKeyStore.AddToFile(File("v2.json"), "second", [ApiScope.Read], "*", null);
        System.IO.File.SetLastWriteTimeUtc(File("v2.json"), System.IO.File.GetLastWriteTimeUtc(File("v1.json")));
        var link = File("keys.json");
        System.IO.File.CreateSymbolicLink(link, File("v1.json"));
        var keys = new LiveApiKeys(ApiKeyStore.Load(link)!, link, _log, TimeSpan.Zero);
        Assert.Equal("first", keys.Find(first)?.Id);

        System.IO.File.Delete(link);
        System.IO.File.CreateSymbolicLink(link, File("v2.json"));
        Assert.Null(keys.Find(first));
        Assert.Equal("second", keys.Find(second)?.Id);
    }

    [Fact]
    public void Changes_wait_for_the_check_interval()
    {
        var path = File("keys.json");
        ApiKeyStore.AddToFile(path, "first", [ApiScope.Read], "*", null);
        var keys = new LiveApiKeys(ApiKeyStore.Load(path)!, path, _log, TimeSpan.FromHours(1));
        Assert.Single(keys.Current.Keys); // the first look at the file starts the interval
        var later = ApiKeyStore.AddToFile(path, "later", [ApiScope.Read], "*", null);
        Assert.Null(keys.Find(later));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>What the keys logged, one line per entry: "Level: message".</summary>
    private sealed class LogLines : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Lines.Add($"{logLevel}: {formatter(state, exception)}");
    }
}
