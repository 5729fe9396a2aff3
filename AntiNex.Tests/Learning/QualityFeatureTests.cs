using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>Quality request fields, trained for real on generated data (no ../shared needed).</summary>
public class QualityFeatureTests
{
    private static TrainingOutcome Train(EngineTestData.TempRoot t, string json)
        => TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, CancellationToken.None);

    private static TrainingOutcome TrainBlobs(string extra, int epochs = 6, int rows = 300, int seed = 3, int splits = 0)
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(rows, 31));
        return Train(t, EngineTestData.BinaryRequest(epochs: epochs, splits: splits, seed: seed, extra: extra));
    }

    private static List<float[]> Weights(byte[] artifact) => ArtifactFormat.Read(artifact).Weights.Select(w => w.Data).ToList();

    [Theory]
    [InlineData("""{"validation_split": 1.5}""", "validation_split")]
    [InlineData("""{"scaler": "zscore"}""", "scaler")]
    [InlineData("""{"lr_schedule": {"kind": "linear"}}""", "lr_schedule")]
    [InlineData("""{"lr_schedule": {"kind": "step", "gamma": 2}}""", "lr_schedule.gamma")]
    [InlineData("""{"early_stopping": {"patience": -1}}""", "early_stopping.patience")]
    [InlineData("""{"early_stopping": {"monitor": "loss"}}""", "early_stopping.monitor")]
    [InlineData("""{"class_weights": "even"}""", "class_weights")]
    [InlineData("""{"class_weights": {"1": -2}}""", "class_weights.1")]
    [InlineData("""{"threshold": {"max_fpr": 2}}""", "threshold.max_fpr")]
    [InlineData("""{"threshold": {"optimize": "recall"}}""", "threshold.optimize")]
    [InlineData("""{"threshold": {"value": 1}}""", "threshold.value")]
    [InlineData("""{"threshold": {"value": "low"}}""", "threshold.value")]
    [InlineData("""{"threshold": {"value": 0.3, "optimize": "f1"}}""", "threshold")]
    [InlineData("""{"weight_decay": -1}""", "weight_decay")]
    [InlineData("""{"ensemble": {"seeds": 0}}""", "ensemble")]
    public void Bad_quality_fields_are_named(string fields, string field)
    {
        var json = """{"label": "x", "dataset": "a.csv", "predict_feature": "label", """ + fields[1..];
        var e = Assert.Throws<RequestException>(() => AntiNexRequest.Parse(json, out _));
        Assert.Contains(e.Issues, i => i.Field == field);
    }

    [Fact]
    public void Quality_fields_parse_without_warnings()
    {
        var r = AntiNexRequest.Parse("""
            {"label": "x", "dataset": "a.csv", "predict_feature": "label", "validation_split": 0.1,
             "early_stopping": {"patience": 4, "monitor": "val_acc", "restore_best_weights": false}, "weight_decay": 0.001,
             "lr_schedule": {"kind": "cosine", "min_lr": 0.0001}, "scaler": "quantile", "log_features": "auto",
             "class_weights": {"0": 1, "1": 3}, "threshold": {"max_fpr": 0.01}, "ensemble": {"seeds": 3},
             "model_desc": {"layers": [{"num_neurons": 8, "init": "he_uniform", "activation": "relu"}, {"layer_type": "batch_norm"},
                                       {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]}}
            """, out var warnings);
        Assert.Empty(warnings);
        var q = r.Quality;
        Assert.Equal(0.1, q.ValidationSplit);
        Assert.Equal(new EarlyStopping(4, "val_acc", false), q.EarlyStopping);
        Assert.Equal("cosine", q.LrSchedule!.Kind);
        Assert.Equal(0.0001, q.LrSchedule.MinLr);
        Assert.Equal("quantile", q.Scaler);
        Assert.True(r.LogFeaturesAuto);
        Assert.Equal(3, q.ClassWeights!["1"]);
        Assert.Equal(new ThresholdRule("max_fpr", 0.01), q.Threshold);
        Assert.Equal(3, q.EnsembleSeeds);
        Assert.True(r.Layers![0].BatchNorm);
        Assert.Equal(2, r.Layers.Count);
    }

    [Fact]
    public void Early_stopping_and_threshold_need_a_validation_split_never_the_test_rows()
    {
        var e = Assert.Throws<RequestException>(() => TrainBlobs(""", "early_stopping": {"patience": 1}"""));
        Assert.Equal("early_stopping", e.Issues[0].Field);
        e = Assert.Throws<RequestException>(() => TrainBlobs(""", "threshold": {"optimize": "f1"}"""));
        Assert.Equal("threshold", e.Issues[0].Field);
        // A fixed threshold is not chosen, so it needs no validation rows.
        var o = TrainBlobs(""", "threshold": {"value": 0.3}""");
        Assert.Equal(0.3, o.Report.Threshold);
        Assert.Equal(0, o.Report.ValidationRows);
    }

    [Fact]
    public void Validation_split_is_carved_from_training_rows_and_early_stopping_restores_the_best_epoch()
    {
        var o = TrainBlobs(""", "validation_split": 0.2, "learning_rate": 0.05, "early_stopping": """ +
            """{"patience": 0, "monitor": "val_loss", "restore_best_weights": true}""", epochs: 60);
        var r = o.Report;
        Assert.Equal(225, r.TrainRows);          // 300 rows, 25 % test
        Assert.Equal(45, r.ValidationRows);      // 20 % of the training split, stratified
        Assert.True(r.EpochsRun < 60, $"ran {r.EpochsRun} epochs");
        Assert.Equal(r.EpochsRun - 1, r.BestEpoch); // patience 0: stops one epoch after the best
        Assert.Equal(r.EpochsRun, r.History.Count);
        var bestValLoss = r.History.Min(h => h.ValLoss!.Value);
        Assert.Equal(bestValLoss, r.History[r.BestEpoch!.Value - 1].ValLoss);
        Assert.True(r.Accuracy > 80, $"accuracy {r.Accuracy}");
    }

    [Fact]
    public void Learning_rate_schedules_and_weight_decay_change_the_fit()
    {
        const string baseExtra = """, "validation_split": 0.2""";
        var plain = Weights(TrainBlobs(baseExtra, epochs: 20).Artifact);
        foreach (var sched in new[] { """{"kind": "cosine"}""", """{"kind": "step", "step_size": 2, "gamma": 0.1}""",
            """{"kind": "reduce_on_plateau", "patience": 0, "factor": 0.1}""" })
        {
            var o = TrainBlobs(baseExtra + """, "lr_schedule": """ + sched, epochs: 20);
            Assert.True(Weights(o.Artifact).Zip(plain).Any(p => !p.First.SequenceEqual(p.Second)), $"{sched}: same weights as without a schedule");
            Assert.True(o.Report.Accuracy > 80, $"{sched}: accuracy {o.Report.Accuracy}");
        }
        // Strong decoupled weight decay shrinks the weights.
        var decayed = Weights(TrainBlobs(baseExtra + """, "weight_decay": 5""", epochs: 20).Artifact);
        double Norm(List<float[]> w) => w.Sum(t => t.Sum(v => (double)v * v));
        Assert.True(Norm(decayed) < 0.8 * Norm(plain), $"decayed {Norm(decayed)} vs plain {Norm(plain)}");
    }

    [Fact]
    public void Batch_norm_layers_train_round_trip_and_predict_in_eval_mode()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(300, 33));
        var json = EngineTestData.BinaryRequest(epochs: 5, splits: 2, seed: 3).Replace(
            """{"num_neurons": 16, "init": "glorot_uniform", "activation": "relu", "dropout": 0.1},""",
            """{"num_neurons": 16, "init": "he_uniform", "activation": "relu"}, """ +
            """{"layer_type": "batch_norm"}, {"layer_type": "dropout", "rate": 0.1},""");
        var o = Train(t, json);
        Assert.True(o.Report.Accuracy > 80, $"accuracy {o.Report.Accuracy}");
        var (state, weights) = ArtifactFormat.Read(o.Artifact);
        Assert.True(state.Layers[0].BatchNorm);
        Assert.Contains(weights, w => w.Name.Contains("running_mean"));
        using var model = TrainedModel.Load(o.Artifact);
        var rows = Enumerable.Range(0, 40).Select(i => new double[] { i / 20.0 - 1, 0.3, 0, 7 }).ToList();
        var batch = model.PredictRaw(rows);
        // Eval mode: a row's prediction does not depend on the other rows of the batch (running statistics).
        for (int i = 0; i < rows.Count; i += 7) Assert.Equal(batch[i], model.PredictRaw([rows[i]])[0]);
        // Bit-identical after another save/load.
        using var again = TrainedModel.Load(model.ToArtifact());
        Assert.Equal(batch, again.PredictRaw(rows));
    }

    /// <summary>x_heavy: non-negative, heavy-tailed counter; x_norm: symmetric; flat: constant.</summary>
    private static string HeavyTailedCsv(int rows, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("x_heavy,x_norm,flat,label\n");
        for (int i = 0; i < rows; i++)
        {
            double heavy = Math.Floor(Math.Exp(rng.NextDouble() * 12)), norm = rng.NextDouble() * 2 - 1;
            int label = Math.Log(1 + heavy) + 3 * norm > 6 ? 1 : 0;
            sb.Append(CultureInfo.InvariantCulture, $"{heavy:R},{norm:R},5,{label}\n");
        }
        return sb.ToString();
    }

    private static string HeavyRequest(string extra, int epochs = 8) => $$"""
        {"label": "Heavy", "dataset": "heavy.csv", "predict_feature": "label", "features_to_process": ["x_heavy", "x_norm", "flat"],
         "seed": 5, "test_size": 0.25, "batch_size": 16, "epochs": {{epochs}}, "num_splits": 0, "loss": "binary_crossentropy",
         "learning_rate": 0.01, "apply_scaler": true, "min_scaler_range": 0, "max_scaler_range": 1,
         "model_desc": {"layers": [{"num_neurons": 16, "init": "he_uniform", "activation": "relu"},
                                   {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]}{{extra}}}
        """;

    [Theory]
    [InlineData("minmax")]
    [InlineData("standard")]
    [InlineData("robust")]
    [InlineData("quantile")]
    [InlineData("quantile_normal")]
    public void Scaler_kinds_fit_on_training_rows_drop_constant_columns_and_learn(string kind)
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("heavy.csv", HeavyTailedCsv(600, 8));
        var o = Train(t, HeavyRequest($$""", "scaler": "{{kind}}", "log_features": "auto" """));
        var state = ArtifactFormat.Read(o.Artifact).State;
        Assert.Equal(kind, state.Pipeline.Kind);
        var f = state.Pipeline.Features;
        Assert.True(f[0].Log, "x_heavy is heavy-tailed: log1p on");
        Assert.False(f[1].Log, "x_norm takes negative values: no log");
        Assert.True(f[2].Dropped, "the constant column is dropped");
        Assert.Equal(2, state.NetworkInputs);
        Assert.True(o.Report.Accuracy > 85, $"{kind}: accuracy {o.Report.Accuracy}");
        var p = state.Pipeline;
        switch (kind)
        {
            case "robust": Assert.Equal(0, p.ScaleValue(f[1], f[1].Center), 9); break;
            case "standard": Assert.Equal(1, p.ScaleValue(f[1], f[1].Center + f[1].Spread), 9); break;
            case "quantile":
                Assert.Equal(0.5, p.ScaleValue(f[1], f[1].Quantiles![50]), 9);
                Assert.Equal(0, p.ScaleValue(f[1], -1e9), 9);
                Assert.Equal(1, p.ScaleValue(f[1], 1e9), 9);
                break;
            case "quantile_normal":
                Assert.Equal(0, p.ScaleValue(f[1], f[1].Quantiles![50]), 6);
                Assert.Equal(-1.0, p.ScaleValue(f[1], f[1].Quantiles![16]), 1); // ~ the 16th percentile is one sd below
                Assert.Equal(1.959964, FeaturePipeline.NormalQuantile(0.975), 5);
                Assert.Equal(-3.719, p.ScaleValue(f[1], -1e9), 2); // clipped at the 0.01 % quantile
                break;
        }
        if (kind.StartsWith("quantile", StringComparison.Ordinal))
        {
            // Far beyond the training quantiles, or NaN: an unscorable row (an alarm), as with every other scaler; never an
            // exception for the whole batch.
            using var model = TrainedModel.Load(o.Artifact, EngineTestData.SingleThread);
            var inRange = f.Select(x => x.Quantiles is { Count: > 1 } q ? q[50] : 0).ToArray();
            var far = (double[])inRange.Clone();
            far[1] = 1e308;
            var nan = (double[])inRange.Clone();
            nan[1] = double.NaN;
            var flagged = model.PredictRawFlagged([inRange, far, nan]);
            Assert.Equal([false, true, true], flagged.Unscorable);
        }
    }

    [Fact]
    public void Without_quality_fields_the_pipeline_is_the_original_one()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("heavy.csv", HeavyTailedCsv(200, 9));
        var state = ArtifactFormat.Read(Train(t, HeavyRequest("", epochs: 1)).Artifact).State;
        Assert.Equal("minmax", state.Pipeline.Kind);
        Assert.All(state.Pipeline.Features, f => Assert.False(f.Log || f.Dropped));
        Assert.Equal(3, state.NetworkInputs);
        Assert.Null(state.Threshold);
    }

    /// <summary>1 in 12 rows is an attack (label 1), in a region that overlaps the benign rows.</summary>
    private static string ImbalancedCsv(int rows, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("x0,x1,proto,const,label\n");
        for (int i = 0; i < rows; i++)
        {
            int label = i % 12 == 0 ? 1 : 0;
            double a = rng.NextDouble() * 2 - 1 + label * 0.9, b = rng.NextDouble() * 2 - 1 + label * 0.9;
            sb.Append(CultureInfo.InvariantCulture, $"{a:R},{b:R},tcp,7,{label}\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void Balanced_class_weights_raise_the_minority_recall()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("imb.csv", ImbalancedCsv(1200, 4));
        string Req(string extra) => EngineTestData.BinaryRequest("imb.csv", epochs: 8, splits: 0, seed: 2, extra: extra);
        var plain = Train(t, Req(""));
        var balanced = Train(t, Req(""", "class_weights": "balanced" """));
        var explicitW = Train(t, Req(""", "class_weights": {"1": 11} """));
        Assert.True(balanced.Report.Recall > plain.Report.Recall + 0.1, $"recall {plain.Report.Recall} -> {balanced.Report.Recall}");
        Assert.True(explicitW.Report.Recall > plain.Report.Recall + 0.1, $"recall {plain.Report.Recall} -> {explicitW.Report.Recall}");
        var e = Assert.Throws<RequestException>(() => Train(t, Req(""", "class_weights": {"7": 2} """)));
        Assert.Equal("class_weights.7", e.Issues[0].Field);
    }

    [Fact]
    public void Threshold_is_chosen_on_validation_rows_stored_and_used_by_predict()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("imb.csv", ImbalancedCsv(1200, 5));
        var plots = Path.Combine(t.Path, "plots");
        string Req(string extra) => EngineTestData.BinaryRequest("imb.csv", epochs: 8, splits: 2, seed: 2,
            extra: """, "validation_split": 0.25""" + extra);
        var strict = TrainingEngine.Train(EngineTestData.Request(Req(""", "threshold": {"max_fpr": 0.01}""")), t.Roots,
            EngineTestData.SingleThread with { PlotDirectory = plots }, null, CancellationToken.None);
        var f1 = Train(t, Req(""", "threshold": {"optimize": "f1"}"""));
        foreach (var o in new[] { strict, f1 })
        {
            var r = o.Report;
            using var model = TrainedModel.Load(o.Artifact);
            Assert.Equal(r.Threshold, model.State.Threshold);
            Assert.Equal(r.Threshold, r.AtThreshold!.Threshold);
            Assert.Equal(0.5, r.AtHalf!.Threshold);
            Assert.Equal(r.Accuracy!.Value, r.AtThreshold.Accuracy, 9); // headline = the operating point predict uses
            // predict applies the stored threshold, not 0.5
            var rows = Enumerable.Range(0, 200).Select(i => new double[] { i / 100.0 - 1, i / 100.0 - 1, 0, 7 }).ToList();
            var x = model.State.Pipeline.TransformRaw(rows);
            var p = model.ForwardLocked(x, rows.Count);
            var predicted = model.PredictRaw(rows);
            for (int i = 0; i < rows.Count; i++) Assert.Equal(p[i] > r.Threshold ? 1f : 0f, predicted[i]);
        }
        Assert.NotEqual(0.5, strict.Report.Threshold);
        Assert.True(strict.Report.Threshold >= f1.Report.Threshold, $"max_fpr 0.01 threshold {strict.Report.Threshold} vs f1 {f1.Report.Threshold}");
        Assert.True(strict.Report.AtThreshold!.FalsePositiveRate <= 0.05,
            $"test FPR {strict.Report.AtThreshold.FalsePositiveRate} for a 1 % validation target");
        Assert.Equal(["blobs-roc.png", "blobs-pr.png", "blobs-loss.png", "blobs-accuracy.png", "blobs-confusion.png"],
            strict.Report.Plots.Select(Path.GetFileName));
        Assert.NotNull(strict.Report.PerClass);
        Assert.Equal(strict.Report.PerClass!.Average(c => c.F1), strict.Report.MacroF1);
    }

    [Fact]
    public void Version_1_artifacts_still_load()
    {
        var o = TrainBlobs("", epochs: 1);
        var v1 = (byte[])o.Artifact.Clone();
        BitConverter.TryWriteBytes(v1.AsSpan(4), (ushort)1);
        SHA256.HashData(v1.AsSpan(0, v1.Length - 32), v1.AsSpan(v1.Length - 32));
        using var a = TrainedModel.Load(o.Artifact);
        using var b = TrainedModel.Load(v1);
        var rows = Enumerable.Range(0, 20).Select(i => new double[] { i / 10.0 - 1, 0.2, 1, 7 }).ToList();
        Assert.Equal(a.PredictRaw(rows), b.PredictRaw(rows));
        Assert.Equal(2, BitConverter.ToUInt16(o.Artifact, 4));
    }
}
