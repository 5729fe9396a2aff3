// A finished training job is kept for --jobs-ttl: once that has passed it no longer answers and its file is removed,
// while the service runs (not only when it restarts).
using AntiNex.Gateway.Http;
using AntiNex.Gateway.Http.Api;
using AntiNex.Models;

namespace AntiNex.Tests.Http;

public sealed class TrainingJobsTtlTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("antinex-jobs-ttl-").FullName;

    [Fact]
    public async Task A_finished_job_past_its_time_to_live_is_gone_while_the_service_runs()
    {
        var ttl = TimeSpan.FromSeconds(2);
        await using var store = new JobStore(_dir, ttl);
        // No cluster: each job fails at once ("unavailable"), which finishes it.
        var jobs = new TrainingJobs(null!, new HttpServeOptions(), store);
        var origin = new RequestOrigin(ApiKeyId: "web", Via: "http");
        var old = jobs.TryStart("web-a", "{}", origin, () => true, out _)!;
        var file = Path.Combine(_dir, old.Id + ".json");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(old.Finished && File.Exists(file)) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(old.Finished && File.Exists(file), "the job did not finish, or was not stored");
        // Kept until its time to live has passed: a busy machine may reach this line only after that, so a missing job
        // fails only when it was looked up in time.
        var kept = jobs.Find(old.Id);
        var lookedUp = DateTimeOffset.UtcNow;
        Assert.True(kept is not null ? ReferenceEquals(kept, old) : old.FinishedUtc + ttl < lookedUp,
            $"the job was gone {(lookedUp - old.FinishedUtc)?.TotalMilliseconds:F0} ms after it finished, before its time to live");

        await Task.Delay(ttl + TimeSpan.FromSeconds(0.5));
        Assert.Null(jobs.Find(old.Id));
        Assert.DoesNotContain(jobs.All, j => j.Id == old.Id);
        var next = jobs.TryStart("web-a", "{}", origin, () => true, out _)!;
        Assert.False(File.Exists(file), "the expired job's file is still in the job folder");
        Assert.Same(next, jobs.Find(next.Id));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
