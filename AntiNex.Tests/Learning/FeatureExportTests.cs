using AntiNex.Learning;
using AntiNex.Learning.Trees;
using AntiNex.Requests;
using AntiNex.Tests.Data;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Learning;

/// <summary>
/// FeatureExport hands the tree baselines the network's exact inputs. These tests keep it in step with the engine: same
/// width, same rows, same scaling (the trained network's outputs on the exported rows are its reported predictions), and
/// the test file never shapes the fitted pipeline.
/// </summary>
public class FeatureExportTests
{
    private const string Quality = QualityHonestyTests.QualityExtra;

    private static string TestRows(string csv, Func<List<string>, List<string>> change)
    {
        var lines = csv.TrimEnd('\n').Split('\n').ToList();
        return lines[0] + "\n" + string.Join("\n", change(lines.Skip(1).ToList())) + "\n";
    }

    [Theory]
    [InlineData("plain", "")]
    [InlineData("quality", Quality)]
    public void Exported_test_rows_give_the_trained_networks_own_predictions(string name, string extra)
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(300, 21));
        t.Write("test.csv", EngineTestData.BinaryCsv(150, 77));
        var json = EngineTestData.BinaryRequest(epochs: 4, splits: 0, seed: 5, extra: ", \"test_dataset\": \"test.csv\"" + extra);
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        using var model = TrainedModel.Load(outcome.Artifact);

        var m = FeatureExport.Build(EngineTestData.Request(json), t.Roots);

        Assert.Equal(model.Summary.NetworkInputs, m.Width);
        Assert.Equal(TaskKind.Binary, m.Task);
        Assert.Equal(outcome.Report.TrainRows, m.Train.Rows);
        Assert.Equal(outcome.Report.ValidationRows, m.ValidationRows);
        var test = Assert.Single(m.Tests);
        Assert.Equal(outcome.Report.TestRows, test.Rows);
        var scores = FeatureExport.Score(model, test);
        // The report was computed by the engine from its own matrices: the exported ones reproduce it exactly.
        var metrics = Metrics.Classify(test.Classes, scores.Predicted, 2, scores.PositiveScore);
        Assert.Equal(outcome.Report.Accuracy, metrics.Accuracy);
        Assert.Equal(outcome.Report.RocAuc, metrics.RocAuc);
        Assert.Equal(outcome.Report.ConfusionMatrix, metrics.Confusion);
        Assert.True(metrics.Accuracy > 70, $"{name}: accuracy {metrics.Accuracy}");

        // ...and the model's predict path (its own stored pipeline, from the raw CSV) gives the same class per row.
        var predict = EngineTestData.Request(json);
        predict.Dataset = "test.csv"; predict.MaxRecords = int.MaxValue;
        var predicted = model.Predict(predict, t.Roots).Samples.ToDictionary(s => s.Row, s => s.Predicted);
        for (int i = 0; i < test.Rows; i++)
            Assert.Equal(predicted[test.RowIds[i]], m.ClassValues[scores.Predicted[i]]);
    }

    [Fact]
    public void A_tree_fitted_on_the_training_rows_in_split_order_is_the_tree_a_tree_request_serves()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(600, 23));
        t.Write("test.csv", EngineTestData.BinaryCsv(300, 78));
        // A validation carve, so the exported order (fitting rows, then validation rows) differs from the split's.
        var json = EngineTestData.BinaryRequest(splits: 0, seed: 4,
            extra: ", \"test_dataset\": \"test.csv\", \"validation_split\": 0.25, \"model_kind\": \"fast_tree\"");
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        var m = FeatureExport.Build(EngineTestData.Request(json), t.Roots);
        Assert.Equal(Enumerable.Range(0, m.Train.Rows), m.SplitOrder.Order());
        Assert.NotEqual(Enumerable.Range(0, m.Train.Rows), m.SplitOrder);

        Assert.Single(m.Tests);
        AssertSplitOrderFastTreeIsTheServedOne(outcome, m, seed: 4);
    }

    [SkippableFact]
    public void On_nsl_kdd_the_benchmarks_fast_tree_is_the_tree_a_fast_tree_request_serves()
    {
        // On NSL-KDD FastTree is not indifferent to row order (the exported fit-then-validation order moved KDDTest+ by half
        // a point): the baseline must fit the rows in the split's order to compare like with like.
        var shared = EngineTestData.SharedOrSkip();
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "training", "nsl-kdd-binary.json")))!;
        json["model_kind"] = "fast_tree";
        json["validation_split"] = 0.1;
        json["num_splits"] = 0;
        var request = EngineTestData.Request(json.ToJsonString());
        var roots = new AntiNex.Data.DataRoots([Path.Combine(shared, "datasets")]);
        var outcome = TrainingEngine.Train(request, roots, EngineTestData.SingleThread, null, default);
        var m = FeatureExport.Build(EngineTestData.Request(json.ToJsonString()), roots);
        AssertSplitOrderFastTreeIsTheServedOne(outcome, m, request.Seed);
    }

    /// <summary>A binary FastTree fitted on the exported training rows in split order scores the first test matrix exactly
    /// as the served model did: same confusion matrix, same ROC AUC (every score ranks as the served tree's).</summary>
    private static void AssertSplitOrderFastTreeIsTheServedOne(TrainingOutcome outcome, FeatureMatrices m, int seed)
    {
        var train = m.Train.Select(m.SplitOrder);
        var trees = TreeLearner.Fit(TreeSpec.Served(TreeKind.FastTree), train.X, train.Rows, train.Width,
            train.Classes.Select(c => (float)c).ToArray(), 2, seed);
        var test = m.Tests[0];
        var p = new float[test.Rows];
        trees.Score(test.X, test.Rows, p);
        var metrics = Metrics.Classify(test.Classes, p.Select(v => v > 0.5f ? 1 : 0).ToArray(), 2, p.Select(v => (double)v).ToArray());
        Assert.Equal(outcome.Report.ConfusionMatrix, metrics.Confusion);
        Assert.Equal(outcome.Report.RocAuc, metrics.RocAuc);
    }

    [Fact]
    public void Feature_names_follow_the_one_hot_layout_and_drop_constant_columns()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(120, 3));
        var json = EngineTestData.BinaryRequest(epochs: 1, splits: 0, extra: ", \"scaler\": \"standard\"");
        var m = FeatureExport.Build(EngineTestData.Request(json), t.Roots);
        // const (always 7) is dropped when a scaler kind is given; proto is one-hot with an "other" slot.
        Assert.Equal(new[] { "x0", "x1", "proto=icmp", "proto=tcp", "proto=udp", "proto=<other>" }, m.FeatureNames);
        Assert.Equal(new[] { "benign", "attack" }, m.ClassNames);
        Assert.Equal(FeatureExport.HeldOutName, m.Tests[0].Name);
        Assert.Equal(120, m.Train.Rows + m.Tests[0].Rows);
        // Held-out rows and training rows are disjoint source rows.
        Assert.Empty(m.Train.RowIds.Intersect(m.Tests[0].RowIds));
        // One-hot columns carry exactly one 1 per row.
        for (int i = 0; i < m.Train.Rows; i++) Assert.Equal(1f, m.Train.Row(i)[2..].ToArray().Sum());
    }

    [Fact]
    public void The_test_files_never_shape_the_training_matrix()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(300, 21));
        var testCsv = EngineTestData.BinaryCsv(150, 77);
        t.Write("test.csv", testCsv);
        // Shuffled rows, and a wild variant: a category never seen in training, scaled-up values, flipped labels.
        t.Write("shuffled.csv", TestRows(testCsv, rows => { var a = rows.ToArray(); new Random(8).Shuffle(a); return [.. a]; }));
        t.Write("wild.csv", TestRows(testCsv, rows => rows.Select(line =>
        {
            var c = line.Split(',');
            if (c[2] == "udp") c[2] = "sctp";
            c[0] = (double.Parse(c[0], System.Globalization.CultureInfo.InvariantCulture) * 1000)
                .ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            c[^1] = c[^1] == "1" ? "0" : "1";
            return string.Join(",", c);
        }).ToList()));
        string Request(string test) => EngineTestData.BinaryRequest(splits: 0, seed: 5, extra: $", \"test_dataset\": \"{test}\"" + Quality);

        var original = FeatureExport.Build(EngineTestData.Request(Request("test.csv")), t.Roots, ["wild.csv"]);
        var shuffled = FeatureExport.Build(EngineTestData.Request(Request("shuffled.csv")), t.Roots);
        var wild = FeatureExport.Build(EngineTestData.Request(Request("wild.csv")), t.Roots);

        foreach (var other in new[] { shuffled, wild })
        {
            Assert.Equal(original.Train.X, other.Train.X);
            Assert.Equal(original.Train.Classes, other.Train.Classes);
            Assert.Equal(original.FeatureNames, other.FeatureNames);
            Assert.Equal(original.FitRows, other.FitRows);
        }
        // Same test rows in another order: the same matrix rows, matched by source row id.
        var byRow = Enumerable.Range(0, original.Tests[0].Rows).ToDictionary(i => original.Tests[0]
            .Targets[i] + ":" + string.Join(",", original.Tests[0].Row(i).ToArray()));
        var s = shuffled.Tests[0];
        for (int i = 0; i < s.Rows; i++) Assert.Contains(s.Targets[i] + ":" + string.Join(",", s.Row(i).ToArray()), byRow.Keys);
        // The extra file is only transformed: the unseen category lands in proto=<other>.
        var extra = original.Tests[1];
        Assert.Equal("wild.csv", extra.Name);
        int otherSlot = original.FeatureNames.ToList().IndexOf("proto=<other>");
        Assert.Contains(Enumerable.Range(0, extra.Rows), i => extra.Row(i)[otherSlot] == 1f);
        Assert.DoesNotContain(Enumerable.Range(0, original.Train.Rows), i => original.Train.Row(i)[otherSlot] == 1f);
    }

    [Fact]
    public void Multi_class_exports_match_the_softmax_network()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("sectors.csv", EngineTestData.MultiClassCsv(300, 4));
        var json = """
            {
              "label": "Sectors", "dataset": "sectors.csv", "ml_type": "classification", "predict_feature": "kind",
              "features_to_process": ["x0", "x1"], "apply_scaler": true, "seed": 2, "test_size": 0.3, "batch_size": 16, "epochs": 5,
              "num_splits": 0, "loss": "categorical_crossentropy", "optimizer": "adam", "learning_rate": 0.02, "validation_split": 0.1,
              "target_rules": {"map": {"normal": 0, "scan": 1, "flood": 2}},
              "model_desc": {"layers": [{"num_neurons": 16, "init": "he_uniform", "activation": "relu"},
                                        {"num_neurons": 3, "init": "glorot_uniform", "activation": "softmax"}]}
            }
            """;
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        using var model = TrainedModel.Load(outcome.Artifact);
        var m = FeatureExport.Build(EngineTestData.Request(json), t.Roots);
        Assert.Equal(TaskKind.MultiClass, m.Task);
        Assert.Equal(model.Summary.NetworkInputs, m.Width);
        var scores = FeatureExport.Score(model, m.Tests[0]);
        Assert.Equal(3, scores.OutputsPerRow);
        Assert.Null(scores.PositiveScore);
        var metrics = Metrics.Classify(m.Tests[0].Classes, scores.Predicted, 3, null);
        Assert.Equal(outcome.Report.Accuracy, metrics.Accuracy);
        Assert.Equal(outcome.Report.ConfusionMatrix, metrics.Confusion);
    }

    [Fact]
    public void A_matrix_of_another_width_is_refused_by_name()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(100, 1));
        var json = EngineTestData.BinaryRequest(epochs: 1, splits: 0);
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        using var model = TrainedModel.Load(outcome.Artifact);
        var narrow = new FeatureMatrix { Name = "narrow", X = new float[6], Rows = 2, Width = 3, Targets = [0, 1], RowIds = [0, 1] };
        var e = Assert.Throws<ArgumentException>(() => FeatureExport.Score(model, narrow));
        Assert.Contains("'narrow' has 3 columns", e.Message);
        Assert.Throws<RequestException>(() => FeatureExport.Build(EngineTestData.Request(json), t.Roots, ["missing.csv"]));
    }
}
