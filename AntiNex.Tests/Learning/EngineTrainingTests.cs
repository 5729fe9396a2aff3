using System.Text.Json;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>Real TorchSharp training on generated data (no ../shared needed).</summary>
public class EngineTrainingTests
{
    private static TrainingOutcome Train(EngineTestData.TempRoot t, string json, IProgress<TrainingProgress>? progress = null,
        CancellationToken ct = default)
        => TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, progress, ct);

    [Fact]
    public void Binary_classification_learns_and_reports_held_out_metrics()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(400, 1));
        var ticks = new List<TrainingProgress>();
        var outcome = Train(t, EngineTestData.BinaryRequest(epochs: 8), new SyncProgress(ticks.Add));
        var r = outcome.Report;
        Assert.True(r.Accuracy > 85, $"test accuracy {r.Accuracy}");
        Assert.Equal(100, r.TestRows);  // 25 % held out, stratified
        Assert.Equal(300, r.TrainRows);
        Assert.Equal(r.TestRows, r.ConfusionMatrix!.Sum(row => row.Sum()));
        Assert.InRange(r.RocAuc!.Value, 0.9, 1.0);
        Assert.InRange(r.F1!.Value, 0.5, 1.0);
        Assert.Equal(["benign", "attack"], r.ClassNames);
        Assert.Equal(2, r.Cv.Count);
        Assert.NotNull(r.CvMean);
        Assert.Equal(8, r.History.Count);
        Assert.All(r.History, h => Assert.NotNull(h.ValAccuracy));
        Assert.True(r.RowsPerSecond > 0 && r.TrainSeconds > 0);
        // one progress tick per epoch: 2 CV folds + the final fit
        Assert.Equal(8 * 3, ticks.Count(p => p.Epochs > 0));
        Assert.Equal(8, ticks.Count(p => p.Phase == "fit"));
        var p = outcome.Predictions!;
        Assert.Equal(400, p.Rows);
        Assert.Matches(@"^Blobs made predictions=400 found=400 accuracy=\d", p.Summary);
        Assert.EndsWith("(in-sample: the training dataset's own rows, as the original AntiNex reported them; the held-out figures are the report's)",
            p.Summary);
        Assert.All(p.Samples, s => Assert.Contains(s.LabelName, new[] { "benign", "attack" }));
    }

    [Fact]
    public void Same_seed_gives_the_same_weights_and_predictions_and_another_seed_differs()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(200, 2));
        var a = Train(t, EngineTestData.BinaryRequest(epochs: 3, splits: 0, seed: 5));
        var b = Train(t, EngineTestData.BinaryRequest(epochs: 3, splits: 0, seed: 5));
        var c = Train(t, EngineTestData.BinaryRequest(epochs: 3, splits: 0, seed: 6));
        Assert.Equal(a.Report.History, b.Report.History);
        Assert.Equal(a.Predictions!.Samples, b.Predictions!.Samples);
        using var ma = TrainedModel.Load(a.Artifact);
        using var mb = TrainedModel.Load(b.Artifact);
        using var mc = TrainedModel.Load(c.Artifact);
        var rows = Enumerable.Range(0, 50).Select(i => new double[] { i / 25.0 - 1, 1 - i / 25.0, 0, 7 }).ToList();
        Assert.Equal(ma.PredictRaw(rows), mb.PredictRaw(rows));
        Assert.Equal(WeightsOf(a.Artifact), WeightsOf(b.Artifact));
        Assert.NotEqual(WeightsOf(a.Artifact), WeightsOf(c.Artifact));
    }

    [Fact]
    public void Concurrent_trainings_stay_deterministic()
    {
        // Actors train in parallel in one process: no training may draw from another's random stream.
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(200, 12));
        var alone = Train(t, EngineTestData.BinaryRequest(epochs: 3, splits: 0, seed: 8));
        var together = new TrainingOutcome[3];
        Parallel.For(0, 3, i => together[i] = Train(t, EngineTestData.BinaryRequest(epochs: 3, splits: 0, seed: 8)));
        Assert.All(together, o => Assert.Equal(alone.Report.History, o.Report.History));
        Assert.All(together, o => Assert.Equal(WeightsOf(alone.Artifact), WeightsOf(o.Artifact)));
    }

    // The artifact without header, created time and checksum: the weight tensors are its tail.
    private static byte[] WeightsOf(byte[] artifact)
    {
        int jsonLength = BitConverter.ToInt32(artifact, 14);
        return artifact[(14 + 4 + jsonLength)..^32];
    }

    [Fact]
    public void Multi_class_with_string_targets_via_target_rules_uses_softmax()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("sectors.csv", EngineTestData.MultiClassCsv(600, 3));
        var outcome = Train(t, """
            {"label": "Sectors", "dataset": "sectors.csv", "predict_feature": "kind", "features_to_process": ["x0", "x1"],
             "target_rules": {"map": {"normal": 0, "scan": 1, "flood": 2}},
             "label_rules": {"labels": ["normal", "scan", "flood"], "label_values": [0, 1, 2]},
             "apply_scaler": true, "epochs": 25, "batch_size": 16, "num_splits": 0, "seed": 1, "learning_rate": 0.01,
             "loss": "categorical_crossentropy",
             "model_desc": {"layers": [{"num_neurons": 24, "init": "he_uniform", "activation": "relu"},
                                       {"num_neurons": 3, "init": "glorot_uniform", "activation": "softmax"}]}}
            """);
        Assert.True(outcome.Report.Accuracy > 80, $"accuracy {outcome.Report.Accuracy}");
        Assert.Equal(3, outcome.Report.ConfusionMatrix!.Length);
        Assert.Null(outcome.Report.RocAuc);
        Assert.Equal(["normal", "scan", "flood"], outcome.Report.ClassNames);
    }

    [Fact]
    public void Regression_predictions_come_back_in_the_targets_units()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("lin.csv", EngineTestData.RegressionCsv(300, 4));
        var outcome = Train(t, """
            {"label": "Lin", "dataset": "lin.csv", "ml_type": "regression", "predict_feature": "y", "features_to_process": ["a", "b"],
             "apply_scaler": true, "epochs": 40, "batch_size": 16, "num_splits": 2, "seed": 3, "loss": "mse", "learning_rate": 0.01,
             "model_desc": {"layers": [{"num_neurons": 16, "init": "glorot_uniform", "activation": "relu"},
                                       {"num_neurons": 1, "init": "glorot_uniform", "activation": null}]}}
            """);
        var r = outcome.Report;
        Assert.True(r.R2 > 0.9, $"R2 {r.R2}");
        Assert.True(r.Mae < 3, $"MAE {r.Mae}");
        Assert.Null(r.Accuracy);
        var s = outcome.Predictions!.Samples;
        Assert.All(s, x => Assert.InRange(x.Predicted, 460, 540)); // un-scaled: around 500, not in [-1, 1]
        Assert.True(s.Average(x => Math.Abs(x.Predicted - x.Original!.Value)) < 3);
    }

    /// <summary>An empty target cell is refused naming the row: read as mark_empty, it would be trained on as a target of -1.</summary>
    [Fact]
    public void A_regression_dataset_with_an_empty_target_is_refused_naming_the_row()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("lin.csv", EngineTestData.RegressionCsv(40, 4) + "1,2,\n");
        var e = Assert.Throws<RequestException>(() => Train(t, """
            {"label": "Lin", "dataset": "lin.csv", "ml_type": "regression", "predict_feature": "y", "features_to_process": ["a", "b"],
             "epochs": 1, "num_splits": 0, "mark_empty": -1}
            """));
        Assert.Equal("predict_feature", e.Issues[0].Field);
        Assert.Contains("column 'y' row", e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Default_network_when_model_desc_is_absent()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(120, 5));
        var outcome = Train(t, """
            {"label": "Default", "dataset": "blobs.csv", "predict_feature": "label", "features_to_process": ["x0", "x1"],
             "epochs": 2, "num_splits": 0}
            """);
        using var m = TrainedModel.Load(outcome.Artifact);
        Assert.Equal(2, m.Summary.NetworkInputs);
        Assert.Equal(["x0", "x1"], m.Summary.InputFeatures);
    }

    [Fact]
    public void Progress_reports_every_epoch_and_training_can_be_cancelled()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(200, 6));
        using var cts = new CancellationTokenSource();
        var epochs = 0;
        var progress = new SyncProgress(p => { if (p.Epochs > 0 && ++epochs == 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Train(t, EngineTestData.BinaryRequest(epochs: 50, splits: 0), progress, cts.Token));
        Assert.Equal(2, epochs);
    }

    [Fact]
    public void Reports_and_predictions_round_trip_through_system_text_json()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(120, 7));
        var outcome = Train(t, EngineTestData.BinaryRequest(epochs: 2));
        var json = JsonSerializer.Serialize(outcome.Report, ReportJson.Options);
        Assert.Contains("\"confusion_matrix\"", json);
        var back = JsonSerializer.Deserialize<TrainingReport>(json, ReportJson.Options)!;
        Assert.Equal(outcome.Report.Accuracy, back.Accuracy);
        Assert.Equal(outcome.Report.History, back.History);
        Assert.Equal(outcome.Report.Cv, back.Cv);
        Assert.Equal(outcome.Report.ConfusionMatrix, back.ConfusionMatrix);
        var p = JsonSerializer.Deserialize<PredictionResult>(JsonSerializer.Serialize(outcome.Predictions, ReportJson.Options), ReportJson.Options)!;
        Assert.Equal(outcome.Predictions!.Samples, p.Samples);
        using var m = TrainedModel.Load(outcome.Artifact);
        var summary = JsonSerializer.Deserialize<ModelSummary>(JsonSerializer.Serialize(m.Summary));
        Assert.Equal(m.Summary.InputFeatures, summary!.InputFeatures);
    }

    [Fact]
    public void Headerless_training_data_and_a_predict_request_that_names_only_the_dataset()
    {
        using var t = new EngineTestData.TempRoot();
        string Headerless(int rows, int seed) => string.Concat(EngineTestData.BinaryCsv(rows, seed).Split('\n').Skip(1).Where(l => l.Length > 0)
            .Select(l => l + ",3\n"));
        t.Write("train.txt", Headerless(200, 13));
        t.Write("later.txt", Headerless(30, 14));
        var outcome = Train(t, """
            {"label": "Headerless", "dataset": "train.txt", "csv_header": false, "columns": ["x0", "x1", "proto", "const", "label", "difficulty"],
             "predict_feature": "label", "ignore_features": ["difficulty"], "categorical_features": ["proto"], "apply_scaler": true,
             "epochs": 3, "num_splits": 0, "loss": "binary_crossentropy"}
            """);
        using var model = TrainedModel.Load(outcome.Artifact);
        Assert.Equal(["x0", "x1", "proto", "const"], model.Summary.InputFeatures); // difficulty never a feature
        var p = model.Predict(EngineTestData.Request("""{"label": "Headerless", "dataset": "later.txt", "predict_feature": "label"}"""), t.Roots);
        Assert.Equal(30, p.Rows);
        Assert.NotNull(p.Accuracy);
    }

    [Fact]
    public void Training_curves_are_plotted_when_a_plot_directory_is_given()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(100, 15));
        var plots = Path.Combine(t.Path, "plots");
        var outcome = TrainingEngine.Train(EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 2, splits: 0)), t.Roots,
            EngineTestData.SingleThread with { PlotDirectory = plots }, null, CancellationToken.None);
        // history, plus ROC and precision-recall curves for a binary model
        Assert.Equal(["blobs-roc.png", "blobs-pr.png", "blobs-loss.png", "blobs-accuracy.png", "blobs-confusion.png"],
            outcome.Report.Plots.Select(Path.GetFileName));
        foreach (var png in outcome.Report.Plots)
        {
            Assert.StartsWith(plots, png);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
        }
    }

    [Fact]
    public void Test_dataset_is_used_for_evaluation()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(200, 8));
        t.Write("holdout.csv", EngineTestData.BinaryCsv(77, 9));
        var outcome = Train(t, EngineTestData.BinaryRequest(epochs: 3, splits: 0, extra: ", \"test_dataset\": \"holdout.csv\""));
        Assert.Equal(200, outcome.Report.TrainRows);
        Assert.Equal(77, outcome.Report.TestRows);
    }
}

internal sealed class SyncProgress(Action<TrainingProgress> handler) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => handler(value);
}
