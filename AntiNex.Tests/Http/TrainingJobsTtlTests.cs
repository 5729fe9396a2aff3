// A finished training job is kept for --jobs-ttl: once that has passed it no longer answers and its file is removed,
// while the service runs (not only when it restarts).
using AntiNex.Gateway.Http;
using AntiNex.Gateway.Http.Api;
using AntiNex.Models;
using TrainingJob = AntiNex.Gateway.Http.Api.TrainingJob;

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

    [Fact]
    public async Task Past_the_kept_count_a_key_that_floods_the_service_pushes_out_its_own_finished_jobs_not_others()
    {
        await using var store = new JobStore(_dir, TimeSpan.FromHours(1));
        var jobs = new TrainingJobs(null!, new HttpServeOptions { JobsKept = 3 }, store);
        async Task<TrainingJob> Finished(string key)
        {
            var job = jobs.TryStart("web-a", "{}", new RequestOrigin(ApiKeyId: key, Via: "http"), () => true, out _)!;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!job.Finished && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.True(job.Finished);
            return job;
        }
        var quiet = await Finished("quiet");
        var flood = new List<TrainingJob>();
        for (int i = 0; i < 5; i++) flood.Add(await Finished("flood"));
        await Finished("flood"); // the prune at this start sees the five before it

        // Six finished at that start, three kept: the quiet key's one and the flooding key's two newest.
        Assert.Same(quiet, jobs.Find(quiet.Id));
        Assert.All(flood.Take(3), j => Assert.Null(jobs.Find(j.Id)));
        Assert.All(flood.Skip(3), j => Assert.Same(j, jobs.Find(j.Id)));
    }

    [Fact]
    public async Task Loading_sets_aside_files_that_are_no_job_removes_cut_writes_and_keeps_unfinished_jobs_past_the_time_to_live()
    {
        var old = DateTimeOffset.UtcNow.AddDays(-3).ToString("O");
        const string Fields = "\"label\":\"web-a\",\"key_id\":\"web\",\"request_json\":\"{}\",\"state\":\"training\"";
        File.WriteAllText(Path.Combine(_dir, "job-running.json"), $"{{\"id\":\"job-running\",{Fields},\"created_utc\":\"{old}\",\"events\":[]}}");
        File.WriteAllText(Path.Combine(_dir, "job-noevents.json"), $"{{\"id\":\"job-noevents\",{Fields},\"created_utc\":\"{old}\"}}");
        File.WriteAllText(Path.Combine(_dir, "job-other.json"), $"{{\"id\":\"job-else\",{Fields},\"created_utc\":\"{old}\",\"events\":[]}}");
        File.WriteAllText(Path.Combine(_dir, "job-garbage.json"), "not json");
        File.WriteAllText(Path.Combine(_dir, "job-cut.json.tmp"), "{\"id\":");

        await using var store = new JobStore(_dir, TimeSpan.FromHours(1));
        var loaded = store.LoadAll();

        Assert.Equal("job-running", Assert.Single(loaded).Id); // unfinished: its deadline, not the time to live, ends it
        foreach (var bad in new[] { "job-noevents", "job-other", "job-garbage" })
        {
            Assert.False(File.Exists(Path.Combine(_dir, bad + ".json")), bad);
            Assert.True(File.Exists(Path.Combine(_dir, bad + ".json.unreadable")), bad);
        }
        Assert.False(File.Exists(Path.Combine(_dir, "job-cut.json.tmp")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
