using System.Collections.Concurrent;
using System.Security.Cryptography;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Gateway.Http.Api;

/// <summary>Trainings started through the API, by job id. Each runs through a gateway session (progress relayed to
/// the job); finished jobs are kept until <see cref="HttpServeOptions.JobsKept"/> newer ones push them out.</summary>
public sealed class TrainingJobs(GatewayClient gateway, HttpServeOptions options)
{
    private readonly ConcurrentDictionary<string, TrainingJob> _jobs = new();

    public TrainingJob? Find(string id) => _jobs.GetValueOrDefault(id);

    public IReadOnlyList<TrainingJob> All => _jobs.Values.OrderByDescending(j => j.CreatedUtc).ToList();

    public TrainingJob Start(string modelId, string requestJson, RequestOrigin origin)
    {
        var job = new TrainingJob("job-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), modelId, origin.ApiKeyId ?? "");
        _jobs[job.Id] = job;
        Prune();
        _ = RunAsync(job, requestJson, origin);
        return job;
    }

    private async Task RunAsync(TrainingJob job, string requestJson, RequestOrigin origin)
    {
        try
        {
            var reply = await gateway.SendAsync(me => new TrainModel(job.Label, requestJson, me, job.Id, origin), options.TrainTimeout, job.On);
            job.On(reply);
        }
        catch (Exception e)
        {
            job.Fail(new JobError(e is TimeoutException ? "timeout" : "unavailable", e.Message));
        }
    }

    private void Prune()
    {
        var finished = _jobs.Values.Where(j => j.Finished).OrderByDescending(j => j.FinishedUtc).Skip(options.JobsKept).ToList();
        foreach (var j in finished) _jobs.TryRemove(j.Id, out _);
    }
}
