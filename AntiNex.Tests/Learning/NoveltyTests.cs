using System.Globalization;
using System.Text;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// The request field "novelty": a normal-profile autoencoder stored and served inside the one model artifact; a row far
/// outside the normal profile is called an attack even when the network calls it normal.
/// </summary>
public class NoveltyTests
{
    private const string Novelty = """
        , "validation_split": 0.2, "novelty": {"normal_class": 0, "max_fpr": 0.02, "layers": [8, 2], "epochs": 30, "batch_size": 32}
        """;

    private static TrainingOutcome Train(EngineTestData.TempRoot t, string extra)
    {
        t.Write("blobs.csv", EngineTestData.BinaryCsv(400, 21));
        return TrainingEngine.Train(EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 8, splits: 0, seed: 5, extra: extra)),
            t.Roots, EngineTestData.SingleThread, null, default);
    }

    /// <summary>Rows deep in the "label 0" half (x0 + x1 &lt; 0) but far outside the training range [-2, 2]: the network
    /// extrapolates them to class 0 (still inside the clip bound: rows beyond it are alarms whatever the model); then
    /// typical class-0 rows, which the profile knows.</summary>
    private static readonly double[][] FarNegative = [[-20, -20], [-30, -12], [-14, -27]];
    private static readonly double[][] TypicalNormal = [[-1.5, -1.2], [-0.8, -1.9], [-1.7, -0.6]];

    private static string Csv(IEnumerable<double[]> rows)
    {
        var sb = new StringBuilder("x0,x1,proto,const,label\n");
        foreach (var r in rows) sb.Append(CultureInfo.InvariantCulture, $"{r[0]:R},{r[1]:R},tcp,7,0\n");
        return sb.ToString();
    }

    private static double[] Predicted(TrainedModel model, EngineTestData.TempRoot t, string name, double[][] rows)
    {
        t.Write(name, Csv(rows));
        var result = model.Predict(
            EngineTestData.Request($$"""{"label": "Blobs", "dataset": "{{name}}", "predict_feature": "label", "max_records": 100}"""), t.Roots);
        return result.Samples.Select(s => s.Predicted).ToArray();
    }

    [Fact]
    public void A_row_far_outside_the_normal_profile_is_an_attack_even_when_the_network_says_normal()
    {
        using var t = new EngineTestData.TempRoot();
        var plain = Train(t, ", \"validation_split\": 0.2");
        var withNovelty = Train(t, Novelty);
        using var plainModel = TrainedModel.Load(plain.Artifact, EngineTestData.SingleThread);
        using var model = TrainedModel.Load(withNovelty.Artifact, EngineTestData.SingleThread);

        // Same seed, same rows: the network is the same in both; only the detector differs.
        Assert.Equal([0.0, 0.0, 0.0], Predicted(plainModel, t, "far.csv", FarNegative));
        Assert.Equal([1.0, 1.0, 1.0], Predicted(model, t, "far.csv", FarNegative));
        Assert.Equal([0.0, 0.0, 0.0], Predicted(model, t, "typical.csv", TypicalNormal));

        // PredictRaw takes the same decision (raw inputs in InputFeatures order: x0, x1, proto, const).
        var inputs = model.Summary.InputFeatures;
        double[] Raw(double[] r) => inputs.Select(f => f switch { "x0" => r[0], "x1" => r[1], "const" => 7.0, _ => 0.0 }).ToArray();
        Assert.Equal([1f, 1f, 1f], model.PredictRaw(FarNegative.Select(Raw).ToList()));
        Assert.Equal([0f, 0f, 0f], plainModel.PredictRaw(FarNegative.Select(Raw).ToList()));
        // The all-outputs path: the detector's calls carry no probability, exactly as in a predict request's samples.
        var decisions = model.PredictRawDecisions(FarNegative.Select(Raw).ToList());
        Assert.Equal([1.0, 1.0, 1.0], decisions.Values);
        Assert.All(decisions.Probabilities, p => Assert.Null(p));
        RowDecisionsTests.AssertSameAsPredictRequest(model, [.. FarNegative.Concat(TypicalNormal).Select(r => Raw(r).ToArray())], t);

        var report = withNovelty.Report.Novelty!;
        Assert.NotNull(report);
        Assert.Null(plain.Report.Novelty);
        Assert.True(report.Threshold > 0 && double.IsFinite(report.Threshold), $"threshold {report.Threshold}");
        Assert.True(report.FitRows > 0 && report.ValidationRows > 0);
        Assert.Equal([8, 2], report.Layers);
        // The headline metrics are the combined decision; without the detector they are the network's.
        Assert.Equal(report.WithNovelty.Accuracy, withNovelty.Report.Accuracy!.Value, 9);
        Assert.Equal(plain.Report.Accuracy!.Value, report.WithoutNovelty.Accuracy, 9);
    }

    [Fact]
    public void Artifact_round_trip_keeps_the_detector_and_gives_identical_predictions()
    {
        using var t = new EngineTestData.TempRoot();
        var outcome = Train(t, Novelty);
        Assert.Equal(ArtifactFormat.VersionWithNovelty, BitConverter.ToUInt16(outcome.Artifact, 4));
        var (state, weights) = ArtifactFormat.Read(outcome.Artifact);
        Assert.NotNull(state.Novelty);
        Assert.Equal(0, state.Novelty!.NormalClass);
        Assert.Equal(outcome.Report.Novelty!.Threshold, state.Novelty.Threshold);
        Assert.Contains(weights, w => w.Name.StartsWith(TrainedModel.NoveltyPrefix, StringComparison.Ordinal));

        using var loaded = TrainedModel.Load(outcome.Artifact, EngineTestData.SingleThread);
        var again = loaded.ToArtifact();
        using var reloaded = TrainedModel.Load(again, EngineTestData.SingleThread);
        Assert.Equal(outcome.Artifact, again); // bytes identical: state and every tensor, detector included

        double[][] rows = [.. FarNegative, .. TypicalNormal, [1.5, 1.0], [-0.2, 0.1]];
        var expected = Predicted(loaded, t, "rows.csv", rows);
        Assert.Equal(expected, Predicted(reloaded, t, "rows.csv", rows));
        // The training call's own predictions (made by the in-memory model) equal the loaded model's on the same rows.
        var trainingRows = outcome.Predictions!.Samples.Select(s => s.Predicted).ToArray();
        var request = EngineTestData.Request(
            $$"""{"label": "Blobs", "dataset": "blobs.csv", "predict_feature": "label", "max_records": {{trainingRows.Length}}}""");
        Assert.Equal(trainingRows, loaded.Predict(request, t.Roots).Samples.Select(s => s.Predicted).ToArray());
    }

    [Fact]
    public void A_model_without_the_detector_is_still_written_as_version_2()
    {
        using var t = new EngineTestData.TempRoot();
        var outcome = Train(t, ", \"validation_split\": 0.2");
        Assert.Equal(2, BitConverter.ToUInt16(outcome.Artifact, 4));
        Assert.Null(ArtifactFormat.Read(outcome.Artifact).State.Novelty);
    }

    [Fact]
    public void The_field_is_known_to_the_parser()
    {
        var request = AntiNexRequest.Parse(EngineTestData.BinaryRequest(extra: Novelty), out var warnings);
        Assert.DoesNotContain(warnings, w => w.Contains("novelty"));
        var n = request.Quality.Novelty!;
        Assert.Equal((0.0, 0.02, 30, 32, 1e-3), (n.NormalClass, n.MaxFpr, n.Epochs, n.BatchSize, n.LearningRate));
        Assert.Equal([8, 2], n.Layers);
    }

    [Theory]
    [InlineData("\"novelty\": 3", "novelty")]
    [InlineData("\"novelty\": {\"max_fpr\": 0.02}", "novelty.normal_class")]
    [InlineData("\"novelty\": {\"normal_class\": 0, \"max_fpr\": 1.5}", "novelty.max_fpr")]
    [InlineData("\"novelty\": {\"normal_class\": 0, \"layers\": []}", "novelty.layers")]
    [InlineData("\"novelty\": {\"normal_class\": 0, \"epochs\": 0}", "novelty.epochs")]
    [InlineData("\"novelty\": {\"normal_class\": 0, \"widths\": [4]}", "novelty.widths")]
    public void Bad_novelty_fields_are_named_when_the_request_is_read(string field, string named)
    {
        var json = EngineTestData.BinaryRequest(extra: ", \"validation_split\": 0.2, " + field);
        var e = Assert.Throws<RequestException>(() => EngineTestData.Request(json));
        Assert.Contains(e.Issues, i => i.Field == named);
    }

    [Theory]
    [InlineData(", \"novelty\": {\"normal_class\": 0}", "novelty", "validation_split")] // no validation split
    [InlineData(", \"validation_split\": 0.2, \"novelty\": {\"normal_class\": 5}", "novelty.normal_class", "not a class value")]
    public void Novelty_that_does_not_fit_the_training_data_names_the_field(string extra, string field, string message)
    {
        using var t = new EngineTestData.TempRoot();
        var e = Assert.Throws<RequestException>(() => Train(t, extra));
        Assert.Equal(field, e.Issues[0].Field);
        Assert.Contains(message, e.Issues[0].Message);
    }

    [Fact]
    public void Novelty_on_a_multi_class_model_names_the_field()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("kinds.csv", EngineTestData.MultiClassCsv(150, 3));
        var json = """
            {"label": "Kinds", "dataset": "kinds.csv", "ml_type": "classification", "predict_feature": "kind",
             "features_to_process": ["x0", "x1"], "target_rules": {"map": {"normal": 0, "scan": 1, "flood": 2}},
             "epochs": 1, "num_splits": 0, "validation_split": 0.2, "novelty": {"normal_class": 0}}
            """;
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread,
            null, default));
        Assert.Equal("novelty", e.Issues[0].Field);
        Assert.Contains("binary", e.Issues[0].Message);
    }

    [Fact]
    public void Reconstruction_errors_repeat_exactly_on_the_same_rows()
    {
        // Regression: over a tensor wrapping a fresh managed array the CPU kernels rounded differently call to call,
        // which moved the threshold between two identical trainings.
        var rng = new Random(1);
        int rows = 300, width = 5;
        var x = Enumerable.Range(0, rows * width).Select(_ => (float)rng.NextDouble()).ToArray();
        using var d = NoveltyDetector.Fit(x, rows, width, [8, 2], 5, 32, 1e-3, 3);
        var first = d.Errors(x, rows);
        for (int k = 0; k < 10; k++) Assert.Equal(first, d.Errors(x.ToArray(), rows));
        using var again = NoveltyDetector.Fit(x.ToArray(), rows, width, [8, 2], 5, 32, 1e-3, 3);
        Assert.Equal(first, again.Errors(x, rows));
    }

    [Fact]
    public void Threshold_is_the_upper_quantile_of_the_validation_normal_errors()
    {
        var errors = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList();
        Assert.Equal(98, NoveltyDetector.QuantileThreshold(errors, 0.02)); // 2 of 100 lie above it
        Assert.Equal(90, NoveltyDetector.QuantileThreshold(errors, 0.1));
        Assert.Equal(100, NoveltyDetector.QuantileThreshold(errors, 0.001));
    }
}
