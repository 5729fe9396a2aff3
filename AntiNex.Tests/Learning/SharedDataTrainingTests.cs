using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>Real data from ../shared: the original's minimized dataset, stock.csv regression, NSL-KDD binary.</summary>
public class SharedDataTrainingTests
{
    private static TrainingOutcome TrainFile(string shared, string requestPath, params string[] roots)
    {
        var request = AntiNexRequest.Parse(File.ReadAllText(requestPath), out _);
        return TrainingEngine.Train(request, new DataRoots(roots.Select(r => Path.Combine(shared, r))), EngineTestData.SingleThread, null,
            CancellationToken.None);
    }

    [SkippableTheory]
    [InlineData("scaler-django-antinex-simple.json")]
    [InlineData("django-antinex-simple.json")]
    public void The_original_minimized_dataset_trains_end_to_end(string file)
    {
        var shared = EngineTestData.SharedOrSkip();
        var outcome = TrainFile(shared, Path.Combine(shared, "antinex-requests", file), "datasets/antinex");
        var r = outcome.Report;
        Assert.Equal(12, r.TrainRows + r.TestRows);
        Assert.Equal(3, r.TestRows); // stratified 20 %: 2 of 9 not-attack rows, 1 of 3 attacks
        Assert.NotNull(r.Accuracy);
        Assert.Equal(2, r.Cv.Count);
        Assert.Equal(10, r.History.Count);
        Assert.Equal(12, outcome.Predictions!.Rows);
        Assert.All(outcome.Predictions.Samples, s => Assert.Contains(s.LabelName, new[] { "not_attack", "attack" }));
        Assert.StartsWith($"{r.Label} made predictions=12 found=12 accuracy=", outcome.Predictions.Summary);
        using var model = TrainedModel.Load(outcome.Artifact);
        Assert.Equal(12, model.Summary.InputFeatures.Count);
    }

    [SkippableFact]
    public void Stock_regression_un_scales_its_predictions()
    {
        var shared = EngineTestData.SharedOrSkip();
        var outcome = TrainFile(shared, Path.Combine(shared, "antinex-requests", "scaler-regression.json"), "datasets/antinex");
        var r = outcome.Report;
        Assert.Equal("regression", r.MlType);
        Assert.Equal(18, r.TrainRows + r.TestRows);
        Assert.NotNull(r.Mse);
        var samples = outcome.Predictions!.Samples;
        Assert.Equal(18, samples.Count);
        // close is 208.55..265.51: un-scaled predictions live in that range, not in the scaler's [-1, 1]
        Assert.All(samples, s => Assert.InRange(s.Predicted, 150, 320));
        Assert.All(samples, s => Assert.InRange(s.Original!.Value, 208, 266));
        Assert.True(samples.Average(s => Math.Abs(s.Predicted - s.Original!.Value)) < 25);
    }

    [SkippableFact]
    public void Nsl_kdd_binary_reaches_75_percent_on_kddtest_plus()
    {
        var shared = EngineTestData.SharedOrSkip();
        var repo = EngineTestData.RepoRoot()!;
        var outcome = TrainFile(shared, Path.Combine(repo, "training", "nsl-kdd-binary.json"), "datasets");
        var r = outcome.Report;
        Assert.Equal(25_192, r.TrainRows);  // KDDTrain+_20Percent
        Assert.Equal(22_544, r.TestRows);   // KDDTest+ via test_dataset
        Assert.True(r.Accuracy >= 75, $"KDDTest+ accuracy {r.Accuracy:0.00} %");
        Assert.Equal(["normal", "attack"], r.ClassNames);
        using var model = TrainedModel.Load(outcome.Artifact);
        Assert.DoesNotContain("difficulty", model.Summary.InputFeatures);
        Assert.DoesNotContain("class", model.Summary.InputFeatures);
        Assert.Equal(41, model.Summary.InputFeatures.Count);
        Assert.True(model.Summary.NetworkInputs > 100); // protocol_type, service, flag one-hot
    }

    [SkippableFact]
    public void The_recommended_request_with_budget_1_serves_a_lower_light_gbm_threshold_that_catches_more_of_kddtest_plus()
    {
        var shared = EngineTestData.SharedOrSkip();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(EngineTestData.RepoRoot()!, "training", "recommended-binary.json")))!
            .AsObject();
        json["dataset"] = "nsl-kdd/KDDTrain+_20Percent.txt";
        json["novelty_budget"] = 1;
        var request = AntiNexRequest.Parse(json.ToJsonString(), out _);
        var outcome = TrainingEngine.Train(request, new DataRoots([Path.Combine(shared, "datasets")]), EngineTestData.SingleThread, null,
            CancellationToken.None);
        var r = outcome.Report;
        var selection = r.Selection!;
        var chosenBase = Assert.Single(selection.Candidates, c => c.Verdict!.Contains("base:", StringComparison.Ordinal));
        Assert.StartsWith("light_gbm", chosenBase.Name, StringComparison.Ordinal);
        // Every lower threshold is judged on the LightGBM so far, each with its verdict.
        var steps = selection.Candidates.Where(c => Regex.IsMatch(c.Name, @"\+ threshold [0-9.]+$")).Select(c => c.Name).ToList();
        Assert.Equal(5, steps.Count);
        // The admitted one is served as a fixed threshold, and on KDDTest+ it finds attack rows that 0.5 called normal.
        var step = Regex.Match(selection.Winner, @"\+ threshold ([0-9.]+)");
        Assert.True(step.Success, selection.Winner);
        double threshold = double.Parse(step.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(threshold < 0.5, $"{threshold}");
        Assert.Equal(threshold, r.Threshold);
        Assert.Equal($"value {threshold} (fixed)", r.ThresholdRule);
        Assert.True(r.AtThreshold!.Recall > r.AtHalf!.Recall, $"recall {r.AtThreshold.Recall} at {threshold}, {r.AtHalf.Recall} at 0.5");
    }
}
