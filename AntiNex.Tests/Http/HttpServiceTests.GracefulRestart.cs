// A graceful restart of `serve` (a rolling update, `cluster.sh stop http`) leaves the trainings its jobs started
// running on the cluster: the job submitted again after the restart joins the training under way.
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    [Fact]
    public async Task A_graceful_restart_of_the_service_leaves_its_jobs_trainings_running()
    {
        const string label = "web-rolling";
        var jobsDir = Path.Combine(fx.WorkDir, "jobs-rolling");
        string[] args = ["--rate-limit", "0", "--jobs-dir", jobsDir];
        string jobId;
        using (var first = ServeProcess.Start(fx.WorkDir, [fx.Seed], fx.KeysFile, args))
        {
            // Long enough that the training is still under way when the next process has started and joined.
            (jobId, _) = await StartedTrainingJobAsync(first, jobsDir, label, epochs: 4000);
        } // Dispose: SIGTERM, the service's own shutdown; the gateway leaves the cluster

        using var second = ServeProcess.Start(fx.WorkDir, [fx.Seed], fx.KeysFile, args);
        await second.WaitReadyAsync(TimeSpan.FromSeconds(90));
        using var client = second.Client(fx.Secret("admin"));
        var stream = await client.GetStringAsync($"/api/jobs/{jobId}/events");
        var kinds = stream.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..]).ToList();
        output.WriteLine(string.Join(" ", kinds.Where((k, i) => i == 0 || kinds[i - 1] != k)));
        int resumed = kinds.IndexOf("resumed");
        Assert.True(resumed > 0, "the job is submitted again after the restart");
        var after = kinds[(resumed + 1)..];
        // The training went on while no service was up: the job rejoins it (its progress follows), it never starts over.
        Assert.Contains("progress", after);
        Assert.DoesNotContain("started", after);
        Assert.Equal("completed", after[^1]);
        Assert.DoesNotContain(fx.NodeLog().Split('\n'), l => l.Contains($"model {label}: training cancelled", StringComparison.Ordinal));
    }
}
