// A graceful restart of `serve` (a rolling update, `cluster.sh stop http`) leaves the trainings its jobs started
// running on the cluster: the job submitted again after the restart joins the training under way.
using System.Net;
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
            // The most epochs a request may ask, far longer than the restart: the test ends it with a cancel once it has
            // seen what it checks.
            (jobId, _) = await StartedTrainingJobAsync(first, jobsDir, label, epochs: 10_000);
        } // Dispose: SIGTERM, the service's own shutdown; the gateway leaves the cluster

        using var second = ServeProcess.Start(fx.WorkDir, [fx.Seed], fx.KeysFile, args);
        await second.WaitReadyAsync(TimeSpan.FromSeconds(90));
        using var client = second.Client(fx.Secret("admin"));
        try
        {
            var kinds = new List<string>();
            using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            using (var response = await client.GetAsync($"/api/jobs/{jobId}/events", HttpCompletionOption.ResponseHeadersRead, deadline.Token))
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
                // Up to the first progress after the job was submitted again.
                while (await reader.ReadLineAsync(deadline.Token) is { } line)
                {
                    if (!line.StartsWith("event: ", StringComparison.Ordinal)) continue;
                    kinds.Add(line[7..]);
                    if (kinds[^1] == "progress" && kinds.Contains("resumed")) break;
                }
            }
            output.WriteLine(string.Join(" ", kinds.Where((k, i) => i == 0 || kinds[i - 1] != k)));
            int resumed = kinds.IndexOf("resumed");
            Assert.True(resumed > 0, "the job is submitted again after the restart");
            var after = kinds[(resumed + 1)..];
            // The training went on while no service was up: the job rejoins it (its progress follows), it never starts over.
            Assert.Equal("progress", after[^1]);
            Assert.DoesNotContain("started", after);
            var cancelled = $"model {label}: training cancelled";
            Assert.DoesNotContain(fx.NodeLog().Split('\n'), l => l.Contains(cancelled, StringComparison.Ordinal));

            // The rejoined job owns that training: cancelling the job ends it.
            Assert.Equal(HttpStatusCode.OK, (await Send(client, "POST", $"/api/jobs/{jobId}/cancel", null)).Status);
            await UntilState(client, jobId, "cancelled");
            await Eventually.Equal(true, () => Task.FromResult(fx.NodeLog().Contains(cancelled, StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30));
        }
        finally
        {
            // A failed check must not leave a long training on the node the other tests of this class share.
            await Send(client, "POST", $"/api/jobs/{jobId}/cancel", null);
        }
    }
}
