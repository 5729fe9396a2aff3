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
}
