// The running service follows its key file: a key added by `serve keys add` is accepted and a key revoked by
// `serve keys revoke` is refused within about a second, without a restart, and its open event streams end; a broken file
// keeps the keys in force. A training job is cancelled through the API, alone.
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
    public async Task A_job_is_cancelled_alone_and_an_event_stream_ends_once_its_key_is_revoked()
    {
        const string label = "web-cancelled";
        using var admin = fx.Client("admin");
        // As long as a request may ask (minutes here): it ends by the cancel below.
        var started = await Send(admin, "POST", "/api/train", fx.Data.TrainJson(label, epochs: 10_000));
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        var jobId = started.Body.GetProperty("job_id").GetString()!;
        Answer? behind = null;

        // A read-only key follows the job's events until the training runs, then is revoked: the open stream ends with
        // a "revoked" event instead of running to the job's end.
        var add = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "watcher", "--scopes", "read",
            "--file", fx.KeysFile);
        Assert.True(add.ExitCode == 0, add.Stderr);
        using var watcher = fx.Serve.Client(add.Stdout.Trim());
        await Until(watcher, HttpStatusCode.OK);
        using (var response = await watcher.GetAsync($"/api/jobs/{jobId}/events", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            string? seen;
            while ((seen = await reader.ReadLineAsync(deadline.Token)) is not null && seen != "event: progress") { }
            Assert.True(seen is not null, $"the job's stream ended before any progress: {(await Get(admin, $"/api/jobs/{jobId}")).Body}");

            // The job trains: a second training of the label now waits behind it.
            behind = await Send(admin, "POST", "/api/train", fx.Data.TrainJson(label, epochs: 2));
            Assert.Equal(HttpStatusCode.Accepted, behind.Status);
            await UntilState(admin, behind.Body.GetProperty("job_id").GetString()!, "queued");

            var revoke = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "revoke", "--id", "watcher",
                "--file", fx.KeysFile);
            Assert.True(revoke.ExitCode == 0, revoke.Stderr);
            var clock = Stopwatch.StartNew();
            string? last = null;
            while (await reader.ReadLineAsync(deadline.Token) is { } line)
                if (line.StartsWith("event: ", StringComparison.Ordinal)) last = line;
            output.WriteLine($"the stream ended {clock.Elapsed.TotalMilliseconds:F0} ms after the revoke");
            Assert.Equal("event: revoked", last);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the stream ended {clock.Elapsed.TotalSeconds:F1} s after the revoke");
        }
        Assert.Equal("training", (await Get(admin, $"/api/jobs/{jobId}")).Body.GetProperty("state").GetString());

        // Cancelling needs the train scope and the label; then that job alone is cancelled, and only once.
        using var reader2 = fx.Client("reader");
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(reader2, "POST", $"/api/jobs/{jobId}/cancel", null)).Status);
        var cancelled = await Send(admin, "POST", $"/api/jobs/{jobId}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.Status);
        Assert.True(cancelled.Body.GetProperty("running").GetBoolean(), cancelled.Body.GetRawText());
        Assert.Equal(0, cancelled.Body.GetProperty("queued").GetInt32());
        var job = await UntilState(admin, jobId, "cancelled");
        Assert.Equal("cancelled", job.Body.GetProperty("error").GetProperty("code").GetString());
        var again = await Send(admin, "POST", $"/api/jobs/{jobId}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("finished", again.Body.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(admin, "POST", "/api/jobs/job-unknown/cancel", null)).Status);
        Assert.Contains("event: failed", await admin.GetStringAsync($"/api/jobs/{jobId}/events"));
        // The training queued behind it was not cancelled: it runs and serves.
        Assert.Contains("event: completed", await admin.GetStringAsync($"/api/jobs/{behind!.Body.GetProperty("job_id").GetString()}/events"));
    }

    /// <summary>Polls a job until it is in one of <paramref name="states"/>: within 30 s, or the test fails.</summary>
    private async Task<Answer> UntilState(HttpClient http, string jobId, params string[] states)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var job = await Get(http, $"/api/jobs/{jobId}");
            if (states.Contains(job.Body.GetProperty("state").GetString())) return job;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"not {string.Join(" or ", states)} within 30 s: {job.Body.GetRawText()}");
            await Task.Delay(50);
        }
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

            // A file whose key entry is null: refused the same way, and noticed by the periodic check without a request.
            Replace(fx.KeysFile, """{"keys": [null]}""");
            await AwaitLogged(fx.Serve.LogPath, "keys[0]: null");
            Assert.Equal(HttpStatusCode.OK, (await Get(reader, "/v2")).Status);
        }
        finally { Replace(fx.KeysFile, good); }
        await Until(reader, HttpStatusCode.OK);
    }

    private static async Task AwaitLogged(string logPath, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!File.ReadAllText(logPath).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' was not logged within 30 s");
            await Task.Delay(200);
        }
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
