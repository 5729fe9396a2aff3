// A key may have only so many unfinished training jobs, and a job whose key was revoked while `serve` was down is not
// submitted again when it comes back.
using System.Net;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    [Fact]
    public async Task A_key_has_a_cap_on_unfinished_jobs_and_a_revoked_keys_job_is_not_submitted_again_after_a_restart()
    {
        const string label = "web-capped";
        var add = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "add", "--id", "doomed", "--scopes",
            "train,read", "--labels", "web-*", "--file", fx.KeysFile);
        Assert.True(add.ExitCode == 0, add.Stderr);
        var jobsDir = Path.Combine(fx.WorkDir, "jobs-capped");
        string[] args = ["--rate-limit", "0", "--jobs-dir", jobsDir, "--jobs-per-key", "1"];
        string jobId;
        using (var first = ServeProcess.Start(fx.WorkDir, [fx.Seed], fx.KeysFile, args))
        {
            await first.WaitReadyAsync(TimeSpan.FromSeconds(90));
            using var doomed = first.Client(add.Stdout.Trim());
            // As long as a request may ask (minutes here): it ends by the cancel below.
            var started = await Send(doomed, "POST", "/api/train", fx.Data.TrainJson(label, epochs: 10_000));
            Assert.Equal(HttpStatusCode.Accepted, started.Status);
            jobId = started.Body.GetProperty("job_id").GetString()!;

            var second = await Send(doomed, "POST", "/api/train", fx.Data.TrainJson(label, epochs: 2));
            Assert.Equal(HttpStatusCode.TooManyRequests, second.Status);
            Assert.Equal("too-many-jobs", second.Body.GetProperty("code").GetString());
            Assert.Contains("'doomed'", second.Body.GetProperty("error").GetString());
            // The cap is the key's: another key still starts its own job (cancelled at once, it only has to exist).
            using var admin = first.Client(fx.Secret("admin"));
            var other = await Send(admin, "POST", "/api/train", fx.Data.TrainJson("web-capped-other", epochs: 10_000));
            Assert.Equal(HttpStatusCode.Accepted, other.Status);
            await Send(admin, "POST", $"/api/jobs/{other.Body.GetProperty("job_id").GetString()}/cancel", null);
            await UntilJobFileShowsStarted(jobsDir, jobId);
            first.Kill();
        }

        var revoke = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "serve", "keys", "revoke", "--id", "doomed", "--file", fx.KeysFile);
        Assert.True(revoke.ExitCode == 0, revoke.Stderr);
        try
        {
            using var second = ServeProcess.Start(fx.WorkDir, [fx.Seed], fx.KeysFile, args);
            await second.WaitReadyAsync(TimeSpan.FromSeconds(90));
            using var admin = second.Client(fx.Secret("admin"));
            var job = await Get(admin, $"/api/jobs/{jobId}");
            Assert.True(job.Status == HttpStatusCode.OK, $"{job.Status}: {job.Body.GetRawText()}");
            Assert.Equal("failed", job.Body.GetProperty("state").GetString());
            Assert.Equal("revoked", job.Body.GetProperty("error").GetProperty("code").GetString());
            Assert.DoesNotContain("event: resumed", await admin.GetStringAsync($"/api/jobs/{jobId}/events"));
            // The training the job started outlived the crash; the restarted service cancels it, as the key lost the right.
            var until = DateTime.UtcNow.AddSeconds(90);
            while (!fx.NodeLog().Split('\n').Any(l => l.Contains($"model {label}: training cancelled", StringComparison.Ordinal)
                       && l.Contains("key:doomed", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < until, "the revoked key's training was not cancelled:\n" + fx.NodeLog()[^2000..]);
                await Task.Delay(250);
            }
        }
        finally
        {
            await fx.Gateway.CancelAsync(label, TimeSpan.FromSeconds(30)); // whatever the assertions above found
        }
    }
}
