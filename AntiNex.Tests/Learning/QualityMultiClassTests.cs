using System.Text.Json;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>Multi-class quality: per-class metrics, macro-F1, class weights; the 5-class NSL-KDD request file.</summary>
public class QualityMultiClassTests
{
    [Fact]
    public void Multi_class_reports_per_class_metrics_and_macro_f1_with_balanced_weights()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("sectors.csv", EngineTestData.MultiClassCsv(600, 5));
        var outcome = TrainingEngine.Train(EngineTestData.Request("""
            {"label": "Sectors", "dataset": "sectors.csv", "predict_feature": "kind", "features_to_process": ["x0", "x1"],
             "target_rules": {"map": {"normal": 0, "scan": 1, "flood": 2}},
             "label_rules": {"labels": ["normal", "scan", "flood"], "label_values": [0, 1, 2]},
             "apply_scaler": true, "epochs": 25, "batch_size": 16, "num_splits": 2, "seed": 1, "learning_rate": 0.01,
             "loss": "categorical_crossentropy", "validation_split": 0.15, "class_weights": "balanced", "scaler": "standard",
             "early_stopping": {"patience": 5, "monitor": "val_acc"},
             "model_desc": {"layers": [{"num_neurons": 24, "init": "he_uniform", "activation": "relu"},
                                       {"num_neurons": 3, "init": "glorot_uniform", "activation": "softmax"}]}}
            """), t.Roots, EngineTestData.SingleThread, null, default);
        var r = outcome.Report;
        Assert.True(r.Accuracy > 80, $"accuracy {r.Accuracy}");
        var perClass = r.PerClass!;
        Assert.Equal(["normal", "scan", "flood"], perClass.Select(c => c.Class));
        Assert.Equal(r.TestRows, perClass.Sum(c => c.Support));
        for (int c = 0; c < 3; c++)
            Assert.Equal((double)r.ConfusionMatrix![c][c] / r.ConfusionMatrix[c].Sum(), perClass[c].Recall, 9);
        Assert.Equal(perClass.Average(c => c.F1), r.MacroF1!.Value, 9);
        Assert.Equal(r.F1, r.MacroF1); // the multi-class headline F1 is the macro average
        Assert.Null(r.Threshold);     // no operating point for multi-class
    }

    [Fact]
    public void Macro_averages_leave_out_a_class_with_neither_test_rows_nor_predictions()
    {
        // Four classes in the training data; the test rows hold 0 and 1, the model also predicts 2 once, never 3.
        var m = Metrics.Classify([0, 0, 1, 1], [0, 2, 1, 1], 4, null);
        double f0 = 2.0 / 3, f1 = 1, f2 = 0; // class 2: a false positive only, F1 0 and counted; class 3 has no F1
        Assert.Equal((f0 + f1 + f2) / 3, m.F1, 9);
        Assert.Equal((1 + 1 + 0) / 3.0, m.Precision, 9);
        var perClass = Metrics.PerClass(m.Confusion, ["normal", "scan", "flood", "worm"]);
        Assert.Equal([2, 2, 0, 0], perClass.Select(c => c.Support));
        Assert.Equal([1, 2, 1, 0], perClass.Select(c => c.Predicted));
        Assert.Equal(["normal", "scan", "flood"], Metrics.Scored(perClass).Select(c => c.Class));
    }

    [SkippableFact]
    public void The_5_class_nsl_kdd_request_maps_every_attack_of_train_and_test_to_its_family()
    {
        var shared = EngineTestData.SharedOrSkip();
        var repo = EngineTestData.RepoRoot()!;
        var request = AntiNexRequest.Parse(File.ReadAllText(Path.Combine(repo, "training", "nsl-kdd-5class.json")), out var warnings);
        Assert.Empty(warnings);
        var map = request.TargetRules!.Map;
        Assert.Null(request.TargetRules.Default); // an unknown attack name must fail loudly, not fall into a class
        var family = new Dictionary<string, double> { ["normal"] = 0, ["dos"] = 1, ["probe"] = 2, ["r2l"] = 3, ["u2r"] = 4 };
        // every name of attack_types.csv keeps its family
        foreach (var line in File.ReadAllLines(Path.Combine(shared, "datasets", "nsl-kdd", "attack_types.csv")))
        {
            var cells = line.Split(',');
            if (family.TryGetValue(cells[1], out var f)) Assert.Equal(f, map[cells[0]]);
        }
        // every label in the training and both test files has a family
        foreach (var file in new[] { "KDDTrain+.txt", "KDDTest+.txt", "KDDTest-21.txt" })
            foreach (var label in File.ReadLines(Path.Combine(shared, "datasets", "nsl-kdd", file)).Select(l => l.Split(',')[41]).Distinct())
                Assert.True(map.ContainsKey(label), $"{file}: '{label}' has no family in target_rules.map");
        Assert.Equal(5, request.Layers![^1].Units);
        Assert.Equal(["normal", "dos", "probe", "r2l", "u2r"], request.LabelRules!.Labels);
    }
}
