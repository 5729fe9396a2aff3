// The running service follows its key file: a key added by `serve keys add` is accepted and a key revoked by
// `serve keys revoke` is refused within about a second, without a restart; a broken file keeps the keys in force.
using System.Diagnostics;
using System.Net;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    [Fact]
    public async Task Keys_added_and_revoked_in_the_file_apply_to_the_running_service_without_a_restart()
    {
        var add = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "late", "--scopes", "read",
            "--file", fx.KeysFile);
        Assert.True(add.ExitCode == 0, add.Stderr);
        using var late = fx.Serve.Client(add.Stdout.Trim());
        var accepted = await Until(late, HttpStatusCode.OK);
        output.WriteLine($"added key accepted after {accepted.TotalMilliseconds:F0} ms");

        var revoke = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "revoke", "--id", "late", "--file", fx.KeysFile);
        Assert.True(revoke.ExitCode == 0, revoke.Stderr);
        var refused = await Until(late, HttpStatusCode.Unauthorized);
        output.WriteLine($"revoked key refused after {refused.TotalMilliseconds:F0} ms");
        Assert.Equal("unknown API key", (await Get(late, "/v2")).Body.GetProperty("error").GetString());
        using var reader = fx.Client("reader");
        Assert.Equal(HttpStatusCode.OK, (await Get(reader, "/v2")).Status);

        var again = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "revoke", "--id", "late", "--file", fx.KeysFile);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("no key named 'late'", again.Stdout + again.Stderr);
    }

    [Fact]
    public async Task A_broken_key_file_keeps_the_keys_in_force_and_is_logged_once()
    {
        var good = File.ReadAllText(fx.KeysFile);
        var add = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "unparsed", "--scopes", "read",
            "--file", Path.Combine(fx.WorkDir, "other-keys.json"));
        Assert.True(add.ExitCode == 0, add.Stderr);
        using var unparsed = fx.Serve.Client(add.Stdout.Trim());
        using var reader = fx.Client("reader");
        try
        {
            // Half a file that names a new key: nothing of it applies, neither the new key nor the loss of the others.
            Replace(fx.KeysFile, File.ReadAllText(Path.Combine(fx.WorkDir, "other-keys.json"))[..^10]);
            for (var i = 0; i < 12; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await Get(reader, "/v2")).Status);
                Assert.Equal(HttpStatusCode.Unauthorized, (await Get(unparsed, "/v2")).Status);
                await Task.Delay(250);
            }
            var errors = File.ReadAllLines(fx.Serve.LogPath)
                .Where(l => l.Contains("API key file changed but cannot be used", StringComparison.Ordinal)).ToList();
            output.WriteLine(string.Join("\n", errors));
            Assert.Single(errors);
            Assert.Contains("key(s) loaded before stay in force", errors[0]);
        }
        finally { Replace(fx.KeysFile, good); }
        await Until(reader, HttpStatusCode.OK);
    }

    /// <summary>As `serve keys` writes it: a new file renamed over the old one.</summary>
    private static void Replace(string path, string text)
    {
        File.WriteAllText(path + ".test", text);
        File.Move(path + ".test", path, overwrite: true);
    }

    /// <summary>Polls GET /v2 until it answers <paramref name="status"/>: within a few seconds, or the test fails.</summary>
    private static async Task<TimeSpan> Until(HttpClient http, HttpStatusCode status)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var r = await Get(http, "/v2");
            if (r.Status == status) return clock.Elapsed;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"still {r.Status} after {clock.Elapsed.TotalSeconds:F1} s, expected {status}");
            await Task.Delay(50);
        }
    }
}
