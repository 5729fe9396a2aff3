using AntiNex.Models;
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

        var v1 = await TrainAsync(gateway, "Live");
        var before = TestData.Fingerprint(await PredictAsync(gateway, "Live"));

        // ---- a long retrain of "Live" plus two other labels training at the same time ----
        var progress = new List<object>();
        var running = new TaskCompletionSource();
        var retrain = gateway.TrainAsync("live", Data.TrainJson("Live", epochs: 60, neurons: 48), TrainTimeout, p =>
        {
            lock (progress) progress.Add(p);
            if (p is TrainingProgressed) running.TrySetResult();
        });
        await running.Task.WaitAsync(TrainTimeout);
        // A second train of the same label while the first runs waits behind it, told its position.
        var queuedProgress = new List<object>();
        var queued = gateway.TrainAsync("live", Data.TrainJson("Live"), TrainTimeout, p => { lock (queuedProgress) queuedProgress.Add(p); });
        var others = new[] { TrainAsync(gateway, "Other-1"), TrainAsync(gateway, "Other-2") };
        var during = new List<Predicted>();
        while (!retrain.IsCompleted && during.Count < 20)
        {
            var p = await PredictAsync(gateway, "Live");
            if (!retrain.IsCompleted) during.Add(p);
            await Task.Delay(100);
        }
        var v2 = await retrain as ModelTrainedReply ?? throw new Xunit.Sdk.XunitException($"retrain: {Describe(await retrain)}");
        await Task.WhenAll(others);
        Log.Step($"{during.Count} predicts during the retrain, all version {string.Join(",", during.Select(d => d.Version).Distinct())}; retrain -> v{v2.Version}");
        // The entity switches to v2 once v2's snapshot is stored, a moment before the train reply reaches us: the last
        // predicts of the loop may already be v2. What must hold: v1 keeps serving during the retrain, unchanged, and
        // the switch is one-way (never v1 again after a v2 answer).
        Assert.Equal(2, v2.Version);
        Assert.Contains(during, p => p.Version == v1.Version);
        Assert.All(during, p => Assert.True(p.Version == v1.Version || p.Version == v2.Version, $"version {p.Version}"));
        Assert.All(during.Where(p => p.Version == v1.Version), p => Assert.Equal(before, TestData.Fingerprint(p)));
        var firstV2 = during.FindIndex(p => p.Version == v2.Version);
        if (firstV2 >= 0) Assert.All(during.Skip(firstV2), p => Assert.Equal(v2.Version, p.Version));
        lock (progress) Assert.Contains(progress, p => p is TrainingProgressed);
        var v3 = await queued as ModelTrainedReply ?? throw new Xunit.Sdk.XunitException($"queued train: {Describe(await queued)}");
        Assert.Equal(3, v3.Version);
        lock (queuedProgress) Assert.Contains(queuedProgress, p => p is TrainingQueued { Position: 1 });
        var after = await PredictAsync(gateway, "Live");
        Assert.Equal(3, after.Version);

        // ---- bad messages: clear errors naming the field ----
        var unknown = (ModelFailed)await gateway.PredictAsync("never-trained", Data.PredictJson("Never-Trained"), AskTimeout);
        Assert.Equal("not-trained", unknown.Code);
        Assert.Contains(unknown.Issues, i => i.Field == "dataset");

        var malformed = (ModelFailed)await gateway.TrainAsync("live", "{ \"label\": \"Live\", ", AskTimeout);
        Assert.Equal("bad-request", malformed.Code);

        var description = (ModelDescription)await gateway.DescribeAsync("live", AskTimeout);
        var wrongWidth = (ModelFailed)await gateway.PredictRowsAsync("live", [[1.0, 2.0, 3.0]], AskTimeout);
        Assert.Equal("bad-request", wrongWidth.Code);
        Assert.Contains(wrongWidth.Issues, i => i.Field == "rows[0]" && i.Message.Contains($"expected {description.Summary!.InputFeatures.Count} features"));

        var outside = (ModelFailed)await gateway.TrainAsync("escape", Data.TrainJson("Escape", dataset: "/etc/passwd"), AskTimeout);
        Assert.Equal("bad-request", outside.Code);
        Assert.Contains(outside.Issues, i => i.Field == "dataset");
        Log.Step($"errors: {Describe(unknown)} | {Describe(malformed)} | {Describe(wrongWidth)} | {Describe(outside)}");

        // The CLI refuses a malformed file before it reaches the cluster (exit code 2), naming the problem.
        var badFile = Path.Combine(WorkDir, "bad.json");
        await File.WriteAllTextAsync(badFile, "{ \"label\": ");
        var cli = await GatewayCli.RunAsync(TimeSpan.FromMinutes(1), "predict", "-f", badFile, "--seed-node", Seeds.First());
        Assert.Equal(2, cli.ExitCode);
        Assert.Contains("not valid JSON", cli.Stderr);

        // ---- the other labels keep working; predict on a never-trained label with a dataset trains it first ----
        Assert.Equal(before.Length > 0, TestData.Fingerprint(await PredictAsync(gateway, "Other-1")).Length > 0);
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
}
