using System.Globalization;
using System.Text;
using AntiNex.Learning;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// Honesty rule: the test file (test_dataset) is never used for fitting, scaling, vocabulary, threshold or
/// early stopping. Shuffling or relabelling its rows changes the reported test metrics, never the trained model.
/// </summary>
public class QualityHonestyTests
{
    private static string TestCsvVariant(string csv, Func<List<string>, List<string>> change)
    {
        var lines = csv.TrimEnd('\n').Split('\n').ToList();
        var rows = change(lines.Skip(1).ToList());
        return lines[0] + "\n" + string.Join("\n", rows) + "\n";
    }

    private static string Shuffled(string csv) => TestCsvVariant(csv,
        rows => { var a = rows.ToArray(); new Random(42).Shuffle(a); return a.ToList(); });

    /// <summary>Flips the 0/1 label of every test row, and turns a category of the test rows into one never seen in training.</summary>
    private static string Relabelled(string csv) => TestCsvVariant(csv, rows => rows.Select(line =>
    {
        var cells = line.Split(',');
        cells[^1] = cells[^1] == "1" ? "0" : "1";
        if (cells[2] == "udp") cells[2] = "sctp";
        cells[0] = (double.Parse(cells[0], CultureInfo.InvariantCulture) * 50).ToString("R", CultureInfo.InvariantCulture);
        return string.Join(",", cells);
    }).ToList());

    private static (TrainingOutcome Outcome, List<float[]> Weights, string StateJson) TrainWith(string testCsv, string extra)
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(300, 21));
        t.Write("test.csv", testCsv);
        var json = EngineTestData.BinaryRequest(epochs: 4, splits: 2, seed: 4, extra: ", \"test_dataset\": \"test.csv\"" + extra);
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        var (state, weights) = ArtifactFormat.Read(outcome.Artifact);
        // Everything the model uses at predict time, without the test metrics and the creation time.
        var fitted = state with
        {
            CreatedUtc = default,
            TestAccuracy = null,
            Precision = null,
            Recall = null,
            F1 = null,
            RocAuc = null,
            TestRows = 0,
        };
        var stateJson = System.Text.Json.JsonSerializer.Serialize(fitted, ArtifactFormat.Json);
        return (outcome, weights.Select(w => w.Data).ToList(), stateJson);
    }

    public static IEnumerable<object[]> Configurations() =>
    [
        ["plain", ""],
        ["quality", QualityExtra],
        ["folds", QualityExtra + ", \"ensemble\": {\"folds\": true}"], // fold ensemble: shared pipeline, out-of-fold threshold
        ["novelty", QualityExtra + ", \"novelty\": {\"normal_class\": 0, \"max_fpr\": 0.05, \"layers\": [8, 2], \"epochs\": 5}"],
        // No validation split: reduce_on_plateau watches the training loss, never the test rows' loss.
        ["plateau", ", \"lr_schedule\": {\"kind\": \"reduce_on_plateau\", \"patience\": 0, \"factor\": 0.1}"],
    ];

    /// <summary>Every capability that could be tempted to look at held-out rows.</summary>
    public const string QualityExtra = """
        , "validation_split": 0.2, "early_stopping": {"patience": 2, "monitor": "val_loss", "restore_best_weights": true},
        "lr_schedule": {"kind": "reduce_on_plateau", "patience": 1, "factor": 0.5}, "weight_decay": 0.0001,
        "scaler": "robust", "log_features": "auto", "class_weights": "balanced", "threshold": {"optimize": "f1"}
        """;

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Shuffling_or_relabelling_the_test_file_changes_metrics_but_not_the_model(string name, string extra)
    {
        var testCsv = EngineTestData.BinaryCsv(200, 77);
        var original = TrainWith(testCsv, extra);
        var shuffled = TrainWith(Shuffled(testCsv), extra);
        var relabelled = TrainWith(Relabelled(testCsv), extra);

        Assert.True(original.Outcome.Report.Accuracy > 70, $"{name}: test accuracy {original.Outcome.Report.Accuracy}");
        foreach (var other in new[] { shuffled, relabelled })
        {
            Assert.Equal(original.Weights.Count, other.Weights.Count);
            for (int i = 0; i < original.Weights.Count; i++) Assert.Equal(original.Weights[i], other.Weights[i]);
            Assert.Equal(original.StateJson, other.StateJson); // scaler, vocabulary, classes, threshold, stopping epoch
            Assert.Equal(original.Outcome.Report.Cv, other.Outcome.Report.Cv);
        }
        // Same rows in another order: same metrics. Flipped labels: the reported test metrics change.
        Assert.Equal(original.Outcome.Report.Accuracy, shuffled.Outcome.Report.Accuracy);
        Assert.NotEqual(original.Outcome.Report.Accuracy, relabelled.Outcome.Report.Accuracy);
        Assert.NotEqual(original.Outcome.Report.ConfusionMatrix, relabelled.Outcome.Report.ConfusionMatrix);
    }
}
