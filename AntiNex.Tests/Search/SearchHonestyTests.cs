using System.Globalization;
using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Search;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Search;

/// <summary>
/// Honesty rule for the model search: a trial is scored by CV on the training data only. The test file is never
/// opened, so shuffling it, relabelling it or even replacing it by garbage changes no trial score and not the selected
/// configuration.
/// </summary>
public class SearchHonestyTests
{
    private static readonly SearchSpace Space = SearchSpace.Parse("""
        { "hidden_layers": [[8], [24, 12]], "learning_rate": [0.003, 0.03], "scaler": ["minmax", "robust"], "class_weights": ["none", "balanced"] }
        """);

    private static string Relabelled(string csv) => string.Join("\n", csv.TrimEnd('\n').Split('\n').Select((line, i) =>
    {
        if (i == 0) return line;
        var cells = line.Split(',');
        cells[^1] = cells[^1] == "1" ? "0" : "1";
        cells[0] = (double.Parse(cells[0], CultureInfo.InvariantCulture) * 100).ToString("R", CultureInfo.InvariantCulture);
        return string.Join(",", cells);
    })) + "\n";

    private static string Shuffled(string csv)
    {
        var lines = csv.TrimEnd('\n').Split('\n');
        var rows = lines.Skip(1).ToArray();
        new Random(5).Shuffle(rows);
        return lines[0] + "\n" + string.Join("\n", rows) + "\n";
    }

    /// <summary>Scores every planned trial with the CV-only engine path; returns the per-trial fold scores and the ranking.</summary>
    private static (List<IReadOnlyList<FoldScore>> Folds, IReadOnlyList<TrialResult> Ranked) Search(string testCsv)
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(240, 21));
        t.Write("test.csv", testCsv);
        var baseJson = EngineTestData.BinaryRequest(epochs: 3, splits: 0, seed: 4, extra: ", \"test_dataset\": \"test.csv\"");
        var trials = TrialPlanner.Plan(Space, "random", 3, 11);
        var folds = new List<IReadOnlyList<FoldScore>>();
        var results = new List<TrialResult>();
        for (int i = 0; i < trials.Count; i++)
        {
            var request = EngineTestData.Request(TrialPlanner.Apply(baseJson, trials[i], folds: 2));
            var report = TrainingEngine.CrossValidate(request, t.Roots, EngineTestData.SingleThread, null, default);
            Assert.Equal(240, report.TrainRows); // every training-file row takes part in the CV: none held out for the test file
            Assert.Equal(0, report.TestRows);
            folds.Add(report.Cv);
            results.Add(new TrialResult(i + 1, trials[i].Describe(), "local", report.CvMean, report.CvStd, report.Cv.Select(f => f.Score).ToList(), 0));
        }
        return (folds, Leaderboard.Rank(results, "classification"));
    }

    [Fact]
    public void Changing_the_test_file_changes_no_trial_score_and_not_the_selected_configuration()
    {
        var testCsv = EngineTestData.BinaryCsv(150, 77);
        var original = Search(testCsv);
        Assert.True(original.Ranked[0].CvMean > 70, $"best CV {original.Ranked[0].CvMean}");
        foreach (var variant in new[] { Shuffled(testCsv), Relabelled(testCsv), "this is not,a csv\n\"unterminated\n" })
        {
            var other = Search(variant);
            Assert.Equal(original.Folds, other.Folds);
            Assert.Equal(original.Ranked.Select(r => (r.Trial, r.CvMean)), other.Ranked.Select(r => (r.Trial, r.CvMean)));
        }
    }

    [Fact]
    public void Cross_validation_only_scores_exactly_as_the_full_training_does_without_an_artifact()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(200, 3));
        var request = EngineTestData.BinaryRequest(epochs: 3, splits: 2, seed: 9);
        var full = TrainingEngine.Train(EngineTestData.Request(request), t.Roots, EngineTestData.SingleThread, null, default);
        var cvOnly = TrainingEngine.CrossValidate(EngineTestData.Request(request), t.Roots, EngineTestData.SingleThread, null, default);
        Assert.Equal(full.Report.Cv, cvOnly.Cv);
        Assert.Equal(full.Report.CvMean, cvOnly.CvMean);
        Assert.Null(cvOnly.Accuracy); // nothing is evaluated on held-out rows
        Assert.Empty(cvOnly.History);

        var noCv = EngineTestData.Request(EngineTestData.BinaryRequest(splits: 0));
        var e = Assert.Throws<AntiNex.Requests.RequestException>(() => TrainingEngine.CrossValidate(noCv, t.Roots, EngineTestData.SingleThread, null, default));
        Assert.Equal("num_splits", e.Issues[0].Field);
    }
}
