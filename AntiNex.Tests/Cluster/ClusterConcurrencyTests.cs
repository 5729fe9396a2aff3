using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>
/// Concurrent trains of different labels, predicts during a retrain of the same label (served by the previous version,
/// then switched), and bad messages getting clear errors while the other labels keep working.
/// </summary>
[Collection("cluster-processes")]
public sealed class ClusterConcurrencyTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task Retrain_serves_the_previous_version_and_bad_requests_get_clear_errors()
    {
        await StartThreeNodesAsync("--training-concurrency", "1");
        var gateway = await ConnectGatewayAsync();

        await TrainAsync(gateway, "Live");

        // ---- a retrain of "Live" while it is predicted, plus two other labels training at the same time ----
        var others = new[] { TrainAsync(gateway, "Other-1"), TrainAsync(gateway, "Other-2") };
        // How long the retrain lasts next to the predict loop is not assumed: when it ends before the busy probe or a
        // predict could see it running, the round says so and is repeated with a retrain twice as long.
        RetrainRound round;
        for (var epochs = 60; ; epochs *= 2)
        {
            round = await RetrainWhilePredictingAsync(gateway, epochs);
            if (round.SawRetrainRunning || epochs >= 480) break;
            Log.Step($"the {epochs}-epoch retrain ended before the predicts could see it running: again, longer");
        }
        await Task.WhenAll(others);
        var (previous, before, retrained, during, queued, queuedProgress, progress) = round;
        Log.Step($"{during.Count} predicts during the retrain, versions {string.Join(",", during.Select(d => d.Version).Distinct())}; " +
            $"retrain v{previous} -> v{retrained.Version}");
        // The entity switches to the new version once its snapshot is stored, a moment before the train reply reaches
        // us: the last predicts of the loop may already be new. What must hold: the previous version keeps serving
        // during the retrain, unchanged, and the switch is one-way (never the previous version again after a new answer).
        Assert.True(round.SawRetrainRunning, "no predict saw the retrain running, even with 480 epochs");
        Assert.Equal(previous + 1, retrained.Version);
        Assert.Contains(during, p => p.Version == previous);
        Assert.All(during, p => Assert.True(p.Version == previous || p.Version == retrained.Version, $"version {p.Version}"));
        Assert.All(during.Where(p => p.Version == previous), p => Assert.Equal(before, TestData.Fingerprint(p)));
        var firstNew = during.FindIndex(p => p.Version == retrained.Version);
        if (firstNew >= 0) Assert.All(during.Skip(firstNew), p => Assert.Equal(retrained.Version, p.Version));
        Assert.Contains(progress, p => p is TrainingProgressed);
        // A second train of the same label while the first runs waits behind it, told its position, then runs.
        Assert.Contains(queuedProgress, p => p is TrainingQueued { Position: 1 });
        var next = await queued as ModelTrainedReply ?? throw new Xunit.Sdk.XunitException($"queued train: {Describe(await queued)}");
        Assert.Equal(retrained.Version + 1, next.Version);
        var after = await PredictAsync(gateway, "Live");
        Assert.Equal(next.Version, after.Version);

        // ---- bad messages: clear errors naming the field ----
        var unknown = (ModelFailed)await gateway.PredictAsync("never-trained", Data.PredictJson("Never-Trained"), AskTimeout);
        Assert.Equal("not-trained", unknown.Code);
        Assert.Contains(unknown.Issues, i => i.Field == "dataset");

        var malformed = (ModelFailed)await gateway.TrainAsync("live", "{ \"label\": \"Live\", ", AskTimeout);
        Assert.Equal("bad-request", malformed.Code);

        var description = (ModelDescription)await gateway.DescribeAsync("live", AskTimeout);
        var wrongWidth = (ModelFailed)await gateway.PredictRowsAsync("live", [[1.0, 2.0, 3.0]], AskTimeout);
        Assert.Equal("bad-request", wrongWidth.Code);
        Assert.Contains(wrongWidth.Issues, i => i.Field == "rows[0]"
            && i.Message.Contains($"expected {description.Summary!.InputFeatures.Count} features"));

        var outside = (ModelFailed)await gateway.TrainAsync("escape", Data.TrainJson("Escape", dataset: "/etc/passwd"), AskTimeout);
        Assert.Equal("bad-request", outside.Code);
        Assert.Contains(outside.Issues, i => i.Field == "dataset");
        Log.Step($"errors: {Describe(unknown)} | {Describe(malformed)} | {Describe(wrongWidth)} | {Describe(outside)}");

        // The CLI refuses a malformed file before it reaches the cluster (exit code 2), naming the problem.
        var badFile = Path.Combine(WorkDir, "bad.json");
        await File.WriteAllTextAsync(badFile, "{ \"label\": ");
        var cli = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "predict", "-f", badFile, "--seed-node", Seeds.First());
        Assert.Equal(2, cli.ExitCode);
        Assert.Contains("not valid JSON", cli.Stderr);

        // ---- the other labels keep working; predict on a never-trained label with a dataset trains it first ----
        Assert.NotEmpty(TestData.Fingerprint(await PredictAsync(gateway, "Other-1")));
        var trainFirst = (Predicted)await gateway.PredictAsync("fresh", Data.TrainJson("Fresh"), TrainTimeout);
        Assert.True(trainFirst.TrainedFirst);
        Assert.Equal(1, trainFirst.Version);

        // ---- forget: events and snapshots deleted, the label is unknown again ----
        var forgotten = (ModelForgotten)await gateway.ForgetAsync("other-2", AskTimeout);
        Assert.True(forgotten.Existed);
        Assert.False(((ModelDescription)await gateway.DescribeAsync("other-2", AskTimeout)).Trained);
        var models = await gateway.ModelsAsync(AskTimeout);
        Assert.Equal(["fresh", "live", "other-1"], models.Models.Select(m => ModelIds.FromLabel(m.Label)).Order());
        Passed();
    }

    /// <param name="Previous">The version serving when the retrain started.</param>
    /// <param name="Before">Its predictions, which must not change while it serves.</param>
    /// <param name="Busy">The reply to a second train of the label sent while the retrain ran.</param>
    private sealed record RetrainRound(long Previous, string Before, ModelTrainedReply Retrained, List<Predicted> During, Task<object> Queued,
        List<object> QueuedProgress,
        List<object> Progress)
    {
        public bool SawRetrainRunning => QueuedProgress.Any(p => p is TrainingQueued { Position: > 0 }) && During.Any(p => p.Version == Previous);
    }

    private async Task<RetrainRound> RetrainWhilePredictingAsync(GatewayClient gateway, int epochs)
    {
        var current = await PredictAsync(gateway, "Live");
        var progress = new List<object>();
        var running = new TaskCompletionSource();
        var retrain = gateway.TrainAsync("live", Data.TrainJson("Live", epochs: epochs, neurons: 48), TrainTimeout, p =>
        {
            lock (progress) progress.Add(p);
            if (p is TrainingProgressed) running.TrySetResult();
        });
        await running.Task.WaitAsync(TrainTimeout);
        // A second train of the same label while the first runs is queued behind it (awaited by the caller).
        var queuedProgress = new List<object>();
        var queued = gateway.TrainAsync("live", Data.TrainJson("Live"), TrainTimeout, p => { lock (queuedProgress) queuedProgress.Add(p); });
        var during = new List<Predicted>();
        while (!retrain.IsCompleted && during.Count < 20)
        {
            var p = await PredictAsync(gateway, "Live");
            if (!retrain.IsCompleted) during.Add(p);
            await Task.Delay(100);
        }
        var retrained = await retrain as ModelTrainedReply ?? throw new Xunit.Sdk.XunitException($"retrain: {Describe(await retrain)}");
        if (!SawQueued()) await queued; // too late to queue: it ran after; the round is repeated, longer
        lock (progress) lock (queuedProgress)
            return new RetrainRound(current.Version, TestData.Fingerprint(current), retrained, during, queued, [.. queuedProgress], [.. progress]);

        bool SawQueued() { lock (queuedProgress) return queuedProgress.Any(p => p is TrainingQueued); }
    }
}
