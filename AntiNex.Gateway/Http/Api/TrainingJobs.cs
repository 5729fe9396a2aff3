using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Http.Auth;
using AntiNex.Models;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Http.Api;

/// <summary>Trainings started through the API, by job id. Each runs through a gateway session (progress relayed to
/// the job); finished jobs are kept until <see cref="HttpServeOptions.JobsKept"/> newer ones push them out, or their
/// time to live in the <see cref="JobStore"/> passes (also while the process runs). With a store, jobs outlive the process
/// (see <see cref="Resume"/>).</summary>
public sealed class TrainingJobs(GatewayClient gateway, HttpServeOptions options, JobStore? store = null, ILogger? log = null)
{
    private readonly ConcurrentDictionary<string, TrainingJob> _jobs = new();
    /// <summary>Removes the finished jobs past their time to live while the process runs, files included.</summary>
    private Timer? _sweep;
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    public TrainingJob? Find(string id) => _jobs.TryGetValue(id, out var job) && !Expired(job, DateTimeOffset.UtcNow) ? job : null;

    public IReadOnlyList<TrainingJob> All
    {
        get
        {
            var now = DateTimeOffset.UtcNow;
            return _jobs.Values.Where(j => !Expired(j, now)).OrderByDescending(j => j.CreatedUtc).ToList();
        }
    }

    /// <summary>A finished job is kept in the job store for its time to live (--jobs-ttl), not only until a restart.</summary>
    private bool Expired(TrainingJob job, DateTimeOffset now) => store is not null && job.FinishedUtc + store.TimeToLive < now;

    private readonly Lock _starting = new();

    /// <summary>Starts a job, or returns null when the caller's key already has <see cref="HttpServeOptions.JobsPerKey"/>
    /// unfinished ones: each is a training queued on the cluster and a request kept on disk.</summary>
    public TrainingJob? TryStart(string modelId, string requestJson, RequestOrigin origin)
    {
        var keyId = origin.ApiKeyId ?? "";
        TrainingJob job;
        lock (_starting)
        {
            if (_jobs.Values.Count(j => j.KeyId == keyId && !j.Finished) >= options.JobsPerKey) return null;
            job = new TrainingJob("job-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), modelId, keyId, requestJson,
                origin.Client);
            Track(job);
        }
        store?.Save(job);
        Prune();
        _ = RunAsync(job);
        return job;
    }

    /// <summary>Reads the stored jobs back (at start). Finished ones answer as before; a job that was queued or training
    /// when the previous process stopped is submitted again under the same job id, which is its request id: the model
    /// joins it to that training if it still runs, or answers that it ended (never trained twice). A "resumed" event
    /// comes before the new progress. A job whose key no longer exists, or no longer grants train on its label
    /// (<paramref name="keys"/>), is not submitted again: it fails as <c>revoked</c>. Returns how many were resumed.</summary>
    public int Resume(ApiKeyStore keys)
    {
        if (store is null) return 0;
        _sweep ??= new Timer(_ => Prune(), null, SweepEvery, SweepEvery);
        var resumed = 0;
        foreach (var stored in store.LoadAll())
        {
            var job = new TrainingJob(stored);
            Track(job);
            if (job.Finished) continue;
            if (!Grants(keys, job))
            {
                job.Fail(new JobError("revoked", $"API key '{job.KeyId}' was revoked, or no longer grants train on '{job.Label}', "
                    + "when the HTTP service restarted: the job was not submitted again, and the training it started is cancelled"));
                // Its training outlives the process that started it: the key's loss of the right ends it too.
                _ = CancelRevokedAsync(job);
                continue;
            }
            job.Resumed("the HTTP service restarted while this job ran: following its training again");
            _ = RunAsync(job);
            resumed++;
        }
        Prune();
        return resumed;
    }

    /// <summary>The keys now in force (a reload of the key file): every unfinished job whose key is gone, or no longer
    /// grants train on its label, fails as <c>revoked</c> and its training is cancelled, as a restart would do it; not
    /// when the file holds no key at all. Returns how many.</summary>
    public int CancelRevoked(ApiKeyStore keys)
    {
        // No key at all is a file deleted or emptied, more often on its way to being replaced than every key revoked at
        // once: requests are refused meanwhile, but hours of training are not thrown away on that.
        if (keys.Keys.Count == 0) return 0;
        var revoked = 0;
        foreach (var job in _jobs.Values.Where(j => !j.Finished && !Grants(keys, j)).ToList())
        {
            job.Fail(new JobError("revoked", $"API key '{job.KeyId}' was revoked, or no longer grants train on '{job.Label}': "
                + "the job's training is cancelled"));
            _ = CancelRevokedAsync(job);
            revoked++;
        }
        if (revoked > 0) log?.LogWarning("{Count} training job(s) of revoked or narrowed API keys cancelled", revoked);
        return revoked;
    }

    private static bool Grants(ApiKeyStore keys, TrainingJob job)
        => keys.Keys.FirstOrDefault(k => k.Id == job.KeyId) is { } key && key.Has(ApiScope.Train) && key.LabelPattern.Allows(job.Label);

    /// <summary>Cancels the training a revoked key's job started (queued or running; nothing if it has ended).</summary>
    private async Task CancelRevokedAsync(TrainingJob job)
    {
        var origin = new RequestOrigin(ApiKeyId: job.KeyId, Client: job.Client, Via: "http, key revoked");
        try { await gateway.CancelAsync(job.Label, options.PredictTimeout, job.Id, origin); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            log?.LogWarning("the training of revoked job {Id} on '{Label}' could not be cancelled: {Message}", job.Id, job.Label, e.Message);
        }
    }

    private void Track(TrainingJob job)
    {
        _jobs[job.Id] = job;
        if (store is not null) job.Changed = store.Save;
    }

    private async Task RunAsync(TrainingJob job)
    {
        var origin = new RequestOrigin(ApiKeyId: job.KeyId, Client: job.Client, Via: "http");
        try
        {
            // The console's train path: refused at once when too large for one cluster message, re-sent until a node takes it.
            // The training outlives this process: a restart submits the job again under its id and it joins the training.
            var reply = await gateway.TrainAsync(job.Label, job.RequestJson, options.TrainTimeout, job.On, job.Id, origin: origin,
                outlivesCaller: true);
            // A job submitted again after a restart whose training ended meanwhile: the model knows the request id and
            // does not train it twice. The job is complete; its report is the model's description.
            if (reply is ModelFailed { Code: "already-trained" } && await gateway.DescribeAsync(job.Label, options.PredictTimeout)
                    is ModelDescription { Trained: true } model)
                job.CompletedBefore(model);
            else job.On(reply);
        }
        catch (Exception e)
        {
            job.Fail(new JobError(e is TimeoutException ? "timeout" : "unavailable", e.Message));
        }
    }

    private void Prune()
    {
        var now = DateTimeOffset.UtcNow;
        var finished = _jobs.Values.Where(j => j.Finished).OrderByDescending(j => j.FinishedUtc)
            .Where((j, i) => i >= options.JobsKept || Expired(j, now)).ToList();
        foreach (var j in finished)
        {
            _jobs.TryRemove(j.Id, out _);
            store?.Remove(j.Id);
        }
    }
}
