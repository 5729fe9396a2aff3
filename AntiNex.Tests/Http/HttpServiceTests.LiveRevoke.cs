// A key revoked while `serve` runs: its unfinished jobs fail as revoked and their trainings are cancelled, as a restart
// would do it; another key's job on the same service goes on.
using System.Net;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    [Fact]
    public async Task A_key_revoked_while_the_service_runs_has_its_jobs_trainings_cancelled_and_no_other_key_s()
    {
        const string label = "web-live-revoked", other = "web-live-kept";
        var add = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "short-lived", "--scopes",
            "train,read", "--labels", "web-live-*", "--file", fx.KeysFile);
        Assert.True(add.ExitCode == 0, add.Stderr);
        using var admin = fx.Client("admin");
        string? keptId = null;
        try
        {
            using var shortLived = fx.Serve.Client(add.Stdout.Trim());
            await Until(shortLived, HttpStatusCode.OK);
            // As long as a request may ask (minutes here): only the revoke ends it.
            var doomed = await Send(shortLived, "POST", "/api/train", fx.Data.TrainJson(label, epochs: 10_000));
            Assert.Equal(HttpStatusCode.Accepted, doomed.Status);
            var jobId = doomed.Body.GetProperty("job_id").GetString()!;
            var kept = await Send(admin, "POST", "/api/train", fx.Data.TrainJson(other, epochs: 10_000));
            Assert.Equal(HttpStatusCode.Accepted, kept.Status);
            keptId = kept.Body.GetProperty("job_id").GetString()!;
            // Taken by its node: running, or waiting there for a training slot that other tests' trainings may hold.
            await UntilState(admin, jobId, "queued", "training");

            // No request with the revoked key comes after this: the service notices the file by itself.
            var revoke = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "revoke", "--id", "short-lived",
                "--file", fx.KeysFile);
            Assert.True(revoke.ExitCode == 0, revoke.Stderr);
            var job = await UntilState(admin, jobId, "failed");
            Assert.Equal("revoked", job.Body.GetProperty("error").GetProperty("code").GetString());
            Assert.Contains("'short-lived'", job.Body.GetProperty("error").GetProperty("message").GetString());
            var until = DateTime.UtcNow.AddSeconds(60);
            while (!fx.NodeLog().Split('\n').Any(l => l.Contains($"model {label}: training cancelled", StringComparison.Ordinal)
                       && l.Contains("key:short-lived", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < until, "the revoked key's training was not cancelled:\n" + fx.NodeLog()[^2000..]);
                await Task.Delay(250);
            }
            // The admin's job was not touched.
            var still = (await Get(admin, $"/api/jobs/{keptId}")).Body.GetProperty("state").GetString();
            Assert.True(still is "queued" or "training" or "submitted", $"the other key's job is {still}");
            Assert.DoesNotContain(fx.NodeLog().Split('\n'), l => l.Contains($"model {other}: training cancelled", StringComparison.Ordinal));
        }
        finally
        {
            if (keptId is not null) await Send(admin, "POST", $"/api/jobs/{keptId}/cancel", null);
            await fx.Gateway.CancelAsync(label, TimeSpan.FromSeconds(30)); // whatever the assertions above found
        }
    }

    [Fact]
    public async Task A_train_whose_body_arrives_after_its_key_was_revoked_is_refused_and_never_runs()
    {
        const string label = "web-live-late";
        var add = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "slow-upload", "--scopes",
            "train,read", "--labels", "web-live-*", "--file", fx.KeysFile);
        Assert.True(add.ExitCode == 0, add.Stderr);
        using var slow = fx.Serve.Client(add.Stdout.Trim());
        await Until(slow, HttpStatusCode.OK);
        // Padded well past the client's write buffer, so that the headers and the first half really leave before the hold.
        var body = System.Text.Encoding.UTF8.GetBytes(fx.Data.TrainJson(label, epochs: 10_000) + new string(' ', 256 * 1024));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var content = new StreamContent(new HeldStream(body, body.Length / 2, gate.Task));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        // The request is authenticated and half its body is in when the key is revoked.
        var sent = slow.PostAsync("/api/train", content);
        await Task.Delay(500);
        var revoke = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "revoke", "--id", "slow-upload",
            "--file", fx.KeysFile);
        Assert.True(revoke.ExitCode == 0, revoke.Stderr);
        await Until(slow, HttpStatusCode.Unauthorized);
        gate.SetResult();
        using var response = await sent;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, text);
        Assert.Contains("revoked", text);
        using var admin = fx.Client("admin");
        var jobs = (await Get(admin, "/api/jobs")).Body.GetProperty("jobs").EnumerateArray();
        Assert.DoesNotContain(jobs, j => j.GetProperty("label").GetString() == label);
    }

    /// <summary>A request body that stops after <paramref name="first"/> bytes until <paramref name="go"/> completes.</summary>
    private sealed class HeldStream(byte[] bytes, int first, Task go) : Stream
    {
        private int _at;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => bytes.Length;
        public override long Position { get => _at; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            if (_at >= first) await go.WaitAsync(ct);
            var end = _at < first ? first : bytes.Length;
            var n = Math.Min(count, end - _at);
            Array.Copy(bytes, _at, buffer, offset, n);
            _at += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
