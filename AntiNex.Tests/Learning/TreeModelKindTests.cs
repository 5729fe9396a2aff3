using System.Text.Json.Nodes;
using AntiNex.Data.Synthetic;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Learning;

/// <summary>
/// model_kind fast_tree / light_gbm through the whole engine (real ML.NET): trained by TrainingEngine.Train on the
/// synthetic traffic, served from its artifact by TrainedModel with the same pipeline and unscorable guard, reported as
/// such; old network artifacts still load, predict as trained and write back as networks.
/// </summary>
public sealed class TreeModelKindTests : IClassFixture<TreeModelKindTests.Trained>
{
    /// <summary>One fast_tree model on synthetic traffic, shared by the tests.</summary>
    public sealed class Trained : IDisposable
    {
        public EngineTestData.TempRoot Root { get; } = new();
        public AntiNexRequest Request { get; }
        public TrainingOutcome Outcome { get; }

        public Trained()
        {
            SyntheticTraffic.WriteFile(Path.Combine(Root.Path, "synthetic.csv"), 4000, seed: 11);
            Request = SyntheticRequest("fast_tree");
            Outcome = TrainingEngine.Train(Request, Root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        }

        public AntiNexRequest SyntheticRequest(string kind, string? extra = null)
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "training", "demo-synthetic.json")))!.AsObject();
            json["dataset"] = "synthetic.csv";
            json["model_kind"] = kind;
            json["max_records"] = 300;
            json["label"] = "Trees";
            if (extra is not null)
                foreach (var (k, v) in JsonNode.Parse(extra)!.AsObject()) json[k] = v?.DeepClone();
            return EngineTestData.Request(json.ToJsonString());
        }

        public void Dispose() => Root.Dispose();
    }

    private readonly Trained _t;
    private readonly ITestOutputHelper _output;
    public TreeModelKindTests(Trained t, ITestOutputHelper output) => (_t, _output) = (t, output);

    [Fact]
    public void A_fast_tree_request_serves_a_tree_ensemble_that_beats_chance()
    {
        var report = _t.Outcome.Report;
        Assert.Equal("fast_tree", report.ModelKind);
        var confusion = report.ConfusionMatrix!;
        double majority = 100.0 * confusion.Max(row => row.Sum()) / confusion.Sum(row => row.Sum());
        Assert.True(report.Accuracy > Math.Max(90, majority + 5), $"accuracy {report.Accuracy} vs majority class {majority:F1} %");
        Assert.Equal(2, report.Cv.Count); // the request's num_splits, each fold a tree ensemble
        Assert.All(report.Cv, f => Assert.True(f.Score > majority, $"fold {f.Fold}: {f.Score}"));
        Assert.Contains(report.Warnings, w => w.Contains("model_kind fast_tree", StringComparison.Ordinal));
    }

    [Fact]
    public void Its_artifact_loads_and_predicts_as_in_process_and_writes_back_identically()
    {
        var artifact = _t.Outcome.Artifact;
        Assert.Equal(ArtifactFormat.VersionWithBlobs, BitConverter.ToUInt16(artifact, 4));
        using var model = TrainedModel.Load(artifact);
        Assert.Equal("fast_tree", model.Summary.ModelKind);
        var again = model.Predict(_t.Request, _t.Root.Roots);
        Assert.Equal(_t.Outcome.Predictions!.Samples, again.Samples); // record equality: every value and probability bit-identical
        // The training's line over its own dataset says it is in-sample; the line itself is the loaded model's.
        Assert.Equal(again.Summary + AntiNex.Learning.TrainingRun.InSampleNote, _t.Outcome.Predictions.Summary);
        using var reloaded = TrainedModel.Load(model.ToArtifact());
        var rows = RawRows(model, 200);
        Assert.Equal(model.PredictRawFlagged(rows).Values, reloaded.PredictRawFlagged(rows).Values);
    }

    [Fact]
    public void Serving_more_rows_than_one_output_array_holds_is_refused_naming_the_sizes_not_overflowed()
    {
        // Refused while sizing the output buffer: nothing of that size is allocated, and x is never read that far.
        using var model = TrainedModel.Load(_t.Outcome.Artifact);
        var e = Assert.Throws<RequestException>(() => model.ForwardLocked(new float[model.Summary.NetworkInputs], int.MaxValue));
        Assert.Equal("predict_feature", Assert.Single(e.Issues).Field);
        Assert.Contains("2,147,483,647 rows x", e.Message);
        Assert.Contains("more than one array holds", e.Message);
    }

    [Fact]
    public void A_novelty_detector_on_top_of_trees_is_stored_loaded_and_applied_like_a_networks()
    {
        var request = _t.SyntheticRequest("light_gbm", """{"validation_split": 0.2, "novelty": {"normal_class": 0, "max_fpr": 0.05, "epochs": 2}}""");
        var outcome = TrainingEngine.Train(request, _t.Root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        var novelty = outcome.Report.Novelty!;
        Assert.Equal(0.05, novelty.MaxFpr);
        Assert.True(novelty.ValidationRows > 0);
        using var model = TrainedModel.Load(outcome.Artifact);
        Assert.Equal("light_gbm", model.Summary.ModelKind);
        Assert.Equal(outcome.Predictions!.Samples, model.Predict(request, _t.Root.Roots).Samples);
        Assert.Equal(novelty.Threshold, model.State.Novelty!.Threshold);
        var rows = RawRows(model, 400);
        using var reloaded = TrainedModel.Load(model.ToArtifact());
        Assert.Equal(model.PredictRawFlagged(rows).Values, reloaded.PredictRawFlagged(rows).Values);
        // A tree artifact that carries network tensors is refused.
        var content = ArtifactFormat.Read(outcome.Artifact);
        var bad = ArtifactFormat.Write(content.State, [("layer.0.weight", [1L], [0f]), .. content.Weights], content.Blobs);
        Assert.Contains("network tensors", Assert.Throws<ArtifactException>(() => TrainedModel.Load(bad)).Message);
    }

    [Fact]
    public void Outlier_exposure_changes_the_fitted_trees_in_the_final_fit_and_the_cv_folds_and_keeps_the_model_accurate()
    {
        var plainRequest = _t.SyntheticRequest("light_gbm");
        var plain = TrainingEngine.Train(plainRequest, _t.Root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        var request = _t.SyntheticRequest("light_gbm", """{"outlier_exposure": 0.25}""");
        var exposed = TrainingEngine.Train(request, _t.Root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        Assert.True(exposed.Report.Accuracy > 90, $"accuracy {exposed.Report.Accuracy}");
        Assert.Equal(2, exposed.Report.Cv.Count);
        Assert.NotEqual(plain.Report.Cv.Select(f => f.Score), exposed.Report.Cv.Select(f => f.Score)); // the folds fit with it too
        using var model = TrainedModel.Load(exposed.Artifact);
        using var plainModel = TrainedModel.Load(plain.Artifact);
        Assert.Equal(exposed.Predictions!.Samples, model.Predict(request, _t.Root.Roots).Samples);
        List<double?> Scores(TrainedModel m) => m.Predict(request, _t.Root.Roots).Samples.Select(p => p.Probability).ToList();
        Assert.NotEqual(Scores(plainModel), Scores(model)); // the served trees are not the plain ones
    }

    [Fact]
    public void A_fixed_threshold_decides_a_tree_s_rows_needs_no_validation_rows_and_travels_with_the_artifact()
    {
        var plainRequest = _t.SyntheticRequest("light_gbm");
        var plain = TrainingEngine.Train(plainRequest, _t.Root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        var request = _t.SyntheticRequest("light_gbm", """{"threshold": {"value": 0.02}}""");
        Assert.Equal(0, request.Quality.ValidationSplit); // nothing to choose it on, nothing needed
        var low = TrainingEngine.Train(request, _t.Root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        Assert.Equal(0.02, low.Report.Threshold);
        Assert.Equal("value 0.02 (fixed)", low.Report.ThresholdRule);
        using var model = TrainedModel.Load(low.Artifact);
        using var plainModel = TrainedModel.Load(plain.Artifact);
        var mine = model.Predict(request, _t.Root.Roots).Samples;
        var theirs = plainModel.Predict(plainRequest, _t.Root.Roots).Samples;
        Assert.Equal(low.Predictions!.Samples, mine);
        // The same trees (both fit every training row): only rows scored between 0.02 and 0.5 change, and they become attacks.
        var changed = mine.Zip(theirs).Where(p => p.First.Predicted != p.Second.Predicted).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, p => Assert.Equal((0.0, 1.0), (p.Second.Predicted, p.First.Predicted)));
        using var reloaded = TrainedModel.Load(model.ToArtifact());
        Assert.Equal(mine, reloaded.Predict(request, _t.Root.Roots).Samples);
    }

    [Fact]
    public void A_row_beyond_the_training_range_is_still_flagged_unscorable_and_answered_with_the_alarm_class()
    {
        using var model = TrainedModel.Load(_t.Outcome.Artifact);
        var rows = RawRows(model, 3);
        rows[1] = (double[])rows[1].Clone();
        rows[1][Array.IndexOf(model.Summary.InputFeatures.ToArray(), "tcp_dport")] = 1e12;
        rows[2] = (double[])rows[2].Clone();
        rows[2][0] = double.NaN;
        var answer = model.PredictRawFlagged(rows);
        Assert.Equal([false, true, true], answer.Unscorable);
        Assert.Equal(1f, answer.Values[1]);
        Assert.Equal(1f, answer.Values[2]);
    }

    [Fact]
    public void Concurrent_predicts_of_one_tree_model_equal_a_single_predict()
    {
        using var model = TrainedModel.Load(_t.Outcome.Artifact);
        var rows = RawRows(model, 300);
        var expected = model.PredictRawFlagged(rows).Values;
        var results = new float[6][];
        Parallel.For(0, results.Length, i => results[i] = model.PredictRawFlagged(rows).Values);
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void A_large_batch_scores_as_its_parts_and_prints_rows_per_second()
    {
        using var model = TrainedModel.Load(_t.Outcome.Artifact);
        var some = RawRows(model, 2000);
        var rows = Enumerable.Range(0, 10).SelectMany(_ => some).ToList(); // 20,000 rows
        model.PredictRawFlagged(some); // warm-up
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var all = model.PredictRawFlagged(rows).Values;
        watch.Stop();
        Assert.Equal(model.PredictRawFlagged(some).Values, all[..some.Count]);
        Assert.Equal(all[..some.Count], all[^some.Count..]);
        // A figure, not an assertion: shared machine, load varies.
        _output.WriteLine($"fast_tree PredictRawFlagged: {rows.Count / watch.Elapsed.TotalSeconds:N0} rows/s " +
            $"({rows.Count} rows x {model.Summary.InputFeatures.Count} features, one call)");
    }

    [Fact]
    public void Light_gbm_serves_multi_class_and_regression_through_the_same_contract()
    {
        using var root = new EngineTestData.TempRoot();
        root.Write("sectors.csv", EngineTestData.MultiClassCsv(600, 3));
        var multi = EngineTestData.Request("""
            {"label": "Sectors", "dataset": "sectors.csv", "predict_feature": "kind", "features_to_process": ["x0", "x1"],
             "target_rules": {"map": {"normal": 0, "scan": 1, "flood": 2}}, "apply_scaler": true, "num_splits": 0, "seed": 1,
             "model_kind": "light_gbm", "model_desc": {"layers": [{"num_neurons": 1, "init": "uniform", "activation": "sigmoid"}]}}
            """); // a network's 1-unit output layer does not constrain a tree ensemble: its task follows the 3 classes
        var m = TrainingEngine.Train(multi, root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        Assert.Equal("light_gbm", m.Report.ModelKind);
        Assert.True(m.Report.Accuracy > 85, $"multi-class accuracy {m.Report.Accuracy}");
        Assert.Equal(3, m.Report.PerClass!.Count);
        using (var model = TrainedModel.Load(m.Artifact))
            Assert.Equal(m.Predictions!.Samples, model.Predict(multi, root.Roots).Samples);

        root.Write("lin.csv", EngineTestData.RegressionCsv(500, 4));
        var regression = EngineTestData.Request("""
            {"label": "Lin", "dataset": "lin.csv", "ml_type": "regression", "predict_feature": "y", "features_to_process": ["a", "b"],
             "apply_scaler": true, "num_splits": 2, "seed": 2, "model_kind": "LIGHT_GBM"}
            """);
        var r = TrainingEngine.Train(regression, root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        Assert.Equal("light_gbm", r.Report.ModelKind);
        Assert.True(r.Report.R2 > 0.9, $"regression R2 {r.Report.R2}");
        using var reg = TrainedModel.Load(r.Artifact);
        var value = reg.PredictRaw([[5.0, 5.0]])[0]; // 3*5 - 2*5 + 500 = 505, in the target's own units
        Assert.InRange(value, 490f, 520f);
    }

    [Fact]
    public void A_light_gbm_fit_that_diverged_on_a_rare_class_is_fitted_again_and_the_report_says_so()
    {
        // 100,000 normal rows against 50 attacks, each class a blob on its own column: LightGBM's bare defaults run away
        // on this (TreeLearnerTests); the engine must notice, refit, and tell the user.
        using var root = new EngineTestData.TempRoot();
        var rng = new Random(1);
        var csv = new System.Text.StringBuilder("x0,x1,x2,x3,label\n");
        for (int i = 0; i < 100_050; i++)
        {
            int label = i % 2001 == 0 ? 1 : 0;
            for (int j = 0; j < 4; j++)
            {
                double value = (j == label ? 2.0 : 0.0) + rng.NextDouble() + rng.NextDouble() - 1;
                csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{value:F4},");
            }
            csv.Append(label).Append('\n');
        }
        root.Write("rare.csv", csv.ToString());
        var request = EngineTestData.Request("""
            {"label": "Rare", "dataset": "rare.csv", "ml_type": "classification", "predict_feature": "label",
             "features_to_process": ["x0", "x1", "x2", "x3"], "apply_scaler": true, "seed": 1, "test_size": 0.2,
             "num_splits": 2, "model_kind": "light_gbm", "label_rules": {"labels": ["benign", "attack"], "label_values": [0, 1]}}
            """);
        var report = TrainingEngine.Train(request, root.Roots, EngineTestData.SingleThread, null, CancellationToken.None).Report;
        Assert.Contains(report.Warnings, w => w.StartsWith("light_gbm: the first fit diverged", StringComparison.Ordinal));
        Assert.True(report.Accuracy > 99.9, $"held-out accuracy {report.Accuracy}");
        Assert.All(report.Cv, f => Assert.True(f.Score > 99.9, $"fold {f.Fold}: {f.Score}"));
    }

    [Fact]
    public void An_artifact_of_the_network_format_still_loads_predicts_and_writes_back_byte_for_byte()
    {
        // Written by the build before model kinds existed (format version 2): the training reported
        // "OldNetwork made predictions=200 found=20 accuracy=98.5" for its own dataset.
        var folder = Path.Combine(Repo.Root, "AntiNex.Tests", "Learning", "Fixtures");
        var old = File.ReadAllBytes(Path.Combine(folder, "network-artifact-v2.anxm"));
        Assert.Equal(2, BitConverter.ToUInt16(old, 4));
        using var model = TrainedModel.Load(old);
        Assert.Equal("network", model.Summary.ModelKind);
        var request = EngineTestData.Request(File.ReadAllText(Path.Combine(folder, "network-artifact-v2.json")));
        var p = model.Predict(request, new AntiNex.Data.DataRoots([folder]));
        Assert.Equal("OldNetwork made predictions=200 found=20 accuracy=98.5", p.Summary);
        // Written back it is the same bytes: a network keeps its format (no model_kind, no empty ple edges).
        var written = model.ToArtifact();
        Assert.Equal(old, written);
        Assert.Null(ArtifactFormat.Read(written).State.ModelKind);
        Assert.DoesNotContain("model_kind", System.Text.Encoding.UTF8.GetString(written), StringComparison.Ordinal);
        using var again = TrainedModel.Load(written);
        Assert.Equal(p.Samples, again.Predict(request, new AntiNex.Data.DataRoots([folder])).Samples);
    }

    [Fact]
    public void Bad_model_kind_and_the_ensemble_option_are_refused_naming_the_field()
    {
        var e = Assert.Throws<RequestException>(() => _t.SyntheticRequest("forest"));
        Assert.Contains(e.Issues, i => i.Field == "model_kind" && i.Message.Contains("fast_tree", StringComparison.Ordinal));
        var n = Assert.Throws<RequestException>(() =>
            _t.SyntheticRequest("light_gbm", """{"validation_split": 0.2, "novelty": {"normal_class": 0}, "ensemble": {"seeds": 3}}"""));
        Assert.Contains(n.Issues, i => i.Field == "ensemble");
        Assert.DoesNotContain(n.Issues, i => i.Field == "novelty"); // the detector may sit on top of a tree ensemble
    }

    [Fact]
    public void A_tree_artifact_whose_ensemble_does_not_fit_its_description_is_refused()
    {
        var content = ArtifactFormat.Read(_t.Outcome.Artifact);
        var garbage = ArtifactFormat.Write(content.State, [], [("trees", [1, 2, 3])]);
        Assert.Contains("tree ensemble", Assert.Throws<ArtifactException>(() => TrainedModel.Load(garbage)).Message);
        var otherKind = ArtifactFormat.Write(content.State with { ModelKind = "light_gbm" }, [], content.Blobs);
        Assert.Contains("inconsistent", Assert.Throws<ArtifactException>(() => TrainedModel.Load(otherKind)).Message);
        var unknown = ArtifactFormat.Write(content.State with { ModelKind = "forest" }, [], content.Blobs);
        Assert.Contains("forest", Assert.Throws<ArtifactException>(() => TrainedModel.Load(unknown)).Message);
    }

    /// <summary>The first rows of the training file, raw, in the model's input order.</summary>
    private List<double[]> RawRows(TrainedModel model, int count)
    {
        var lines = File.ReadLines(Path.Combine(_t.Root.Path, "synthetic.csv")).Take(count + 1).ToList();
        var header = lines[0].Split(',');
        var index = model.Summary.InputFeatures.Select(f => Array.IndexOf(header, f)).ToArray();
        return lines.Skip(1).Select(l => l.Split(','))
            .Select(c => index.Select(i => double.Parse(c[i], System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
    }
}
