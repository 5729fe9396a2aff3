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
    /// <summary>The running jobs' sessions with the cluster: a revoked key's job stops re-sending its train.</summary>
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _sessions = new();

    /// <summary>Starts a job; refuses it (null) when the caller's key already has <see cref="HttpServeOptions.JobsPerKey"/>
    /// unfinished ones (each is a training queued on the cluster and a request kept on disk), or when
    /// <paramref name="stillGranted"/> says the key lost the right while the request was read: it is asked under the
    /// same lock as <see cref="CancelRevoked"/> scans, so a job is either refused here or cancelled there.</summary>
    public TrainingJob? TryStart(string modelId, string requestJson, RequestOrigin origin, Func<bool> stillGranted, out bool revoked,
        string? keySha256 = null)
    {
        var keyId = origin.ApiKeyId ?? "";
        TrainingJob job;
        revoked = false;
        lock (_starting)
        {
            if (!stillGranted())
            {
                revoked = true;
                return null;
            }
            if (_jobs.Values.Count(j => j.KeyId == keyId && !j.Finished) >= options.JobsPerKey) return null;
            job = new TrainingJob("job-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), modelId, keyId, requestJson,
                origin.Client, keySha256);
            Track(job);
            // Registered under the lock: a revoke that scans right after finds the session to stop.
            _sessions[job.Id] = new CancellationTokenSource();
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
                _ = CancelTrainingAsync(job, "http, key revoked");
                continue;
            }
            // The job's deadline counts from its first submission, however many restarts it sees.
            var left = job.CreatedUtc + options.TrainTimeout - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                job.Fail(new JobError("timeout", $"the job passed its deadline ({options.TrainTimeout} after it was submitted) while the "
                    + "HTTP service was stopped: it was not submitted again"));
                _ = CancelTrainingAsync(job, "http, job past its deadline");
                continue;
            }
            job.Resumed("the HTTP service restarted while this job ran: following its training again");
            _ = RunAsync(job, left);
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
        List<TrainingJob> lost;
        lock (_starting) lost = _jobs.Values.Where(j => !j.Finished && !Grants(keys, j)).ToList();
        foreach (var job in lost)
        {
            job.Fail(new JobError("revoked", $"API key '{job.KeyId}' was revoked, or no longer grants train on '{job.Label}': "
                + "the job's training is cancelled"));
            _ = CancelTrainingAsync(job, "http, key revoked");
            revoked++;
        }
        if (revoked > 0) log?.LogWarning("{Count} training job(s) of revoked or narrowed API keys cancelled", revoked);
        return revoked;
    }

    /// <summary>The job's own key (its id, and its secret's hash when the job kept it) still grants train on its label.</summary>
    private static bool Grants(ApiKeyStore keys, TrainingJob job)
        => keys.Keys.Any(k => k.Id == job.KeyId
            && (job.KeySha256 is null || string.Equals(k.Sha256, job.KeySha256, StringComparison.OrdinalIgnoreCase))
            && k.Has(ApiScope.Train) && k.LabelPattern.Allows(job.Label));

    /// <summary>Cancels the training a failed job started (queued or running; nothing if it has ended): its key was revoked,
    /// or its deadline passed.</summary>
    private async Task CancelTrainingAsync(TrainingJob job, string via)
    {
        // The job's session stops re-sending its train; a train already on its way may still reach the model after the
        // first cancel (which then finds nothing), so a second one follows.
        if (_sessions.TryGetValue(job.Id, out var session))
            try { await session.CancelAsync(); }
            catch (ObjectDisposedException) { } // its run ended meanwhile
        var origin = new RequestOrigin(ApiKeyId: job.KeyId, Client: job.Client, Via: via);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            if (attempt == 2) await Task.Delay(RevokedCancelAgain);
            try { await gateway.CancelAsync(job.Label, options.PredictTimeout, job.Id, origin); }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException or ClusterUnavailableException)
            {
                log?.LogWarning("the training of failed job {Id} on '{Label}' could not be cancelled: {Message}", job.Id, job.Label, e.Message);
            }
        }
    }

    private static readonly TimeSpan RevokedCancelAgain = TimeSpan.FromSeconds(5);

    private void Track(TrainingJob job)
    {
        _jobs[job.Id] = job;
        if (store is not null) job.Changed = store.Save;
    }

    private async Task RunAsync(TrainingJob job, TimeSpan? timeLeft = null)
    {
        var origin = new RequestOrigin(ApiKeyId: job.KeyId, Client: job.Client, Via: "http");
        using var session = _sessions.GetOrAdd(job.Id, _ => new CancellationTokenSource());
        try
        {
            if (job.Finished) return; // failed (a revoke) before its run began: nothing is sent
            // The console's train path: refused at once when too large for one cluster message, re-sent until a node takes it.
            // The training outlives this process: a restart submits the job again under its id and it joins the training.
            var reply = await gateway.TrainAsync(job.Label, job.RequestJson, timeLeft ?? options.TrainTimeout, job.On, job.Id, origin: origin,
                outlivesCaller: true, ct: session.Token);
            // A job submitted again after a restart whose training ended meanwhile: the model knows the request id and
            // does not train it twice. The job is complete; its report is the model's description.
            if (reply is ModelFailed { Code: "already-trained" } already)
            {
                // Trained before: the job is complete whether or not the model can be described right now.
                ModelDescription? model = null;
                try { model = await gateway.DescribeAsync(job.Label, options.PredictTimeout) as ModelDescription; }
                catch (Exception e) when (e is TimeoutException or AskTimeoutException or ClusterUnavailableException) { }
                if (model is { Trained: true }) job.CompletedBefore(model);
                else job.CompletedBefore(already);
            }
            else job.On(reply);
        }
        catch (Exception) when (gateway.Stopping)
        {
            // The service is stopping (or its gateway was downed): the job stays unfinished in its file, and the next start
            // submits it again under its id, joining the training that goes on meanwhile.
        }
        catch (Exception e)
        {
            // The job ends here, but its training may be running on the cluster (it outlives this process): it is cancelled,
            // so that nothing trains that no job follows any more.
            var failed = !job.Finished;
            job.Fail(new JobError(e is TimeoutException ? "timeout" : "unavailable", e.Message)); // no effect once revoked
            _sessions.TryRemove(job.Id, out _);
            if (failed) _ = CancelTrainingAsync(job, "http, job failed");
        }
        finally { _sessions.TryRemove(job.Id, out _); }
    }

    /// <summary>Drops expired finished jobs, then, past <see cref="HttpServeOptions.JobsKept"/> finished ones, the oldest
    /// of the key that holds the most: a key that floods the service with failing jobs pushes out its own, not others'.</summary>
    private void Prune()
    {
        var now = DateTimeOffset.UtcNow;
        var finished = _jobs.Values.Where(j => j.Finished).ToList();
        var gone = finished.Where(j => Expired(j, now)).ToList();
        var byKey = finished.Except(gone).GroupBy(j => j.KeyId)
            .ToDictionary(g => g.Key, g => new Stack<TrainingJob>(g.OrderByDescending(j => j.FinishedUtc))); // oldest on top
        for (var excess = byKey.Values.Sum(s => s.Count) - options.JobsKept; excess > 0; excess--)
            gone.Add(byKey.Values.MaxBy(s => s.Count)!.Pop());
        foreach (var j in gone)
        {
            _jobs.TryRemove(j.Id, out _);
            store?.Remove(j.Id);
        }
    }
}
