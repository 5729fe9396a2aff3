using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>ensemble.folds: the K CV fold networks, stored and served as ONE artifact; threshold on out-of-fold predictions.</summary>
public class FoldEnsembleTests
{
    private const int Seed = 5, Folds = 3, Epochs = 4, TrainRowCount = 300;

    /// <summary>The fold networks, read back from the artifact one by one (fold 1 unprefixed, fold f+1 as members.(f-1)).</summary>
    private static List<DenseNetwork> Members(byte[] artifact)
    {
        var (state, weights) = ArtifactFormat.Read(artifact);
        var nets = new List<DenseNetwork>();
        foreach (var prefix in new[] { "" }.Concat(Enumerable.Range(0, state.EnsembleSize - 1).Select(m => $"members.{m}.")))
        {
            var own = weights.Where(w => prefix == "" ? !w.Name.StartsWith("members.", StringComparison.Ordinal)
                : w.Name.StartsWith(prefix, StringComparison.Ordinal))
                .Select(w => (w.Name[prefix.Length..], w.Shape, w.Data)).ToList();
            var net = new DenseNetwork(state.NetworkInputs, state.Layers, null);
            net.ImportWeights(own);
            net.eval();
            nets.Add(net);
        }
        return nets;
    }

    [Fact]
    public void A_fold_ensemble_is_one_artifact_of_the_K_fold_networks_with_an_out_of_fold_threshold()
    {
        using var t = new EngineTestData.TempRoot();
        var trainPath = t.Write("blobs.csv", EngineTestData.BinaryCsv(TrainRowCount, 41));
        t.Write("test.csv", EngineTestData.BinaryCsv(120, 5));
        // No validation_split: the fold ensemble chooses its threshold on out-of-fold predictions, not on a carve.
        var json = EngineTestData.BinaryRequest(epochs: Epochs, splits: Folds, seed: Seed,
            extra: """, "test_dataset": "test.csv", "ensemble": {"folds": true}, "threshold": {"optimize": "f1"}""");
        var ticks = new List<TrainingProgress>();
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, new SyncProgress(ticks.Add), default);
        var report = outcome.Report;

        Assert.Equal(Folds, report.EnsembleSize);
        Assert.Equal(Folds * Epochs, ticks.Count(p => p.Phase == "cv"));
        Assert.DoesNotContain(ticks, p => p.Phase is "fit" or "ensemble"); // no separate final fit
        Assert.Equal(Folds, report.Cv.Count);
        Assert.All(report.Cv, f => Assert.Equal(Epochs, f.EpochsRun));
        Assert.True(report.Accuracy > 80, $"accuracy {report.Accuracy}");
        Assert.Contains("out-of-fold", report.ThresholdRule);

        var (state, weights) = ArtifactFormat.Read(outcome.Artifact);
        Assert.Equal(Folds, state.EnsembleSize);
        Assert.Equal(report.Threshold, state.Threshold);
        var single = TrainingEngine.Train(EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 1, splits: 0, seed: Seed,
            extra: """, "test_dataset": "test.csv" """)),
            t.Roots, EngineTestData.SingleThread, null, default);
        Assert.Equal(Folds * ArtifactFormat.Read(single.Artifact).Weights.Count, weights.Count);

        using var model = TrainedModel.Load(outcome.Artifact);
        var frame = CsvLoader.Load(trainPath, model.PredictPlan("label"), true, null, CellRules.Default);
        var labels = frame.Text["label"].Select(v => v == "1" ? 1 : 0).ToArray();
        // The engine's training order with a test_dataset: every row, shuffled with the seed; folds stratified on it.
        var trainRows = Enumerable.Range(0, TrainRowCount).ToArray();
        new Random(Seed).Shuffle(trainRows);
        var foldOf = Splits.KFold(trainRows.Length, Folds, trainRows.Select(i => labels[i]).ToArray(), Seed);
        var x = model.State.Pipeline.Transform(frame, trainRows);
        var members = Members(outcome.Artifact);
        try
        {
            var perMember = members.Select(n => Trainer.Forward(n, x, trainRows.Length, state.NetworkInputs)).ToList();
            Assert.NotEqual(perMember[0], perMember[1]);
            // served output = mean of the members' outputs
            var served = model.ForwardLocked(x, trainRows.Length);
            for (int i = 0; i < trainRows.Length; i++) Assert.Equal(perMember.Average(p => p[i]), served[i], 5);
            // each fold's CV score = its member on the rows it never trained on (threshold 0.5: no validation carve)
            for (int f = 0; f < Folds; f++)
            {
                var held = Enumerable.Range(0, trainRows.Length).Where(i => foldOf[i] == f).ToArray();
                var acc = 100.0 * held.Count(i => (perMember[f][i] > 0.5 ? 1 : 0) == labels[trainRows[i]]) / held.Length;
                Assert.Equal(acc, report.Cv[f].Score, 9);
            }
            // the threshold: the F1 rule on out-of-fold scores (each training row scored by the member that did not train on it)
            var oof = Enumerable.Range(0, trainRows.Length).Select(i => (double)perMember[foldOf[i]][i]).ToArray();
            var expected = Metrics.ChooseThreshold(trainRows.Select(i => labels[i]).ToArray(), oof, "f1", null);
            Assert.Equal(expected, report.Threshold!.Value, 9);
        }
        finally { foreach (var m in members) m.Dispose(); }

        // Round trip: the loaded artifact predicts exactly what the training run predicted, and reloads bit-identically.
        var request = EngineTestData.Request(json);
        var loaded = model.Predict(request, t.Roots);
        Assert.Equal(outcome.Predictions!.Samples.Select(s => (s.Predicted, s.Probability)),
            loaded.Samples.Select(s => (s.Predicted, s.Probability)));
        using var again = TrainedModel.Load(model.ToArtifact());
        var rows = Enumerable.Range(0, 40).Select(i => new double[] { i / 20.0 - 1, 0.3, 2, 7 }).ToList();
        Assert.Equal(model.PredictRaw(rows), again.PredictRaw(rows));
    }

    [Fact]
    public void Regression_fold_ensembles_average_values_and_keep_fold_scores()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("lin.csv", EngineTestData.RegressionCsv(240, 3));
        var json = """
            {"label": "Lin", "dataset": "lin.csv", "ml_type": "regression", "predict_feature": "y", "features_to_process": ["a", "b"],
             "apply_scaler": true, "seed": 2, "test_size": 0.2, "batch_size": 16, "epochs": 30, "num_splits": 2,
             "loss": "mse", "optimizer": "adam", "learning_rate": 0.01, "validation_split": 0.1,
             "early_stopping": {"patience": 5}, "ensemble": {"folds": true},
             "model_desc": {"layers": [{"num_neurons": 16, "init": "glorot_uniform", "activation": "relu"},
                                       {"num_neurons": 1, "init": "glorot_uniform", "activation": "linear"}]}}
            """;
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        Assert.Equal(2, outcome.Report.EnsembleSize);
        Assert.Equal(2, outcome.Report.Cv.Count);
        Assert.All(outcome.Report.Cv, f => Assert.True(f.ValidationRows > 0 && f.EpochsRun > 0));
        Assert.True(outcome.Report.R2 > 0.9, $"r2 {outcome.Report.R2}");
        Assert.Null(outcome.Report.Threshold);
    }

    [Theory]
    [InlineData("""{"ensemble": {"folds": true}, "num_splits": 0}""", "ensemble.folds")]
    [InlineData("""{"ensemble": {"folds": true}, "num_splits": 1}""", "ensemble.folds")]
    [InlineData("""{"ensemble": {"folds": true}, "num_splits": 51}""", "ensemble.folds")]
    [InlineData("""{"ensemble": {"folds": true}, "ml_type": "standalone-classification"}""", "ensemble.folds")]
    [InlineData("""{"ensemble": {"folds": "yes"}}""", "ensemble.folds")]
    [InlineData("""{"ensemble": {"fold": true}}""", "ensemble.fold")]
    [InlineData("""{"ensemble": {"folds": true, "seeds": 3}}""", "ensemble")]
    [InlineData("""{"ensemble": {}}""", "ensemble")]
    public void Bad_fold_ensemble_fields_are_named(string fields, string field)
    {
        var json = """{"label": "x", "dataset": "a.csv", "predict_feature": "label", """ + fields[1..];
        var e = Assert.Throws<RequestException>(() => AntiNexRequest.Parse(json, out _));
        Assert.Contains(e.Issues, i => i.Field == field);
    }

    [Fact]
    public void Folds_with_the_default_num_splits_parse()
    {
        var r = AntiNexRequest.Parse("""{"label": "x", "dataset": "a.csv", "predict_feature": "label", "ensemble": {"folds": true}}""",
            out var warnings);
        Assert.True(r.Quality.EnsembleFolds);
        Assert.Equal(2, r.NumSplits); // the original's default: a 2-member ensemble
        Assert.Empty(warnings);
    }
}
