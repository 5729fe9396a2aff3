using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// model_kind "auto": every choice (threshold, novelty detector and its max_fpr, class weights, the candidate that wins)
/// is made on the training rows only. Shuffling or relabelling the test file changes the reported test metrics, never
/// the served model, the choices or the candidates' validation scores. The output width follows the classes found.
/// </summary>
public class AutoSelectionTests
{
    /// <summary>Normal traffic in a ring; three attack kinds in three other places (the attack kind is the raw target).</summary>
    private static string KindsCsv(int rows, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("x0,x1,proto,kind\n");
        for (int i = 0; i < rows; i++)
        {
            var kind = (i % 6) switch { 0 or 1 or 2 => "normal", 3 => "flood", 4 => "scan", _ => "probe" };
            double cx = kind switch { "flood" => 3, "scan" => -3, "probe" => 0, _ => 0 }, cy = kind == "probe" ? 3 : 0;
            double a = cx + rng.NextDouble() * 2 - 1, b = cy + rng.NextDouble() * 2 - 1;
            var proto = kind == "normal" ? (i % 2 == 0 ? "tcp" : "udp") : (i % 3 == 0 ? "icmp" : "tcp");
            sb.Append(CultureInfo.InvariantCulture, $"{a:R},{b:R},{proto},{kind}\n");
        }
        return sb.ToString();
    }

    private static string Request(string target, string extra = "") => $$"""
        {
          "label": "Auto", "dataset": "train.csv", "test_dataset": "test.csv", "ml_type": "classification", "predict_feature": "kind",
          "features_to_process": ["x0", "x1", "proto"], "categorical_features": ["proto"], "target_rules": {{target}},
          "model_kind": "auto", "seed": 5, "epochs": 6, "batch_size": 32{{extra}}
        }
        """;

    private const string BinaryTarget = """{"map": {"normal": 0}, "default": 1}""";
    private const string MultiTarget = """{"map": {"normal": 0, "flood": 1, "scan": 2, "probe": 3}}""";

    private static string Variant(string csv, Func<string[], string[]> change)
    {
        var lines = csv.TrimEnd('\n').Split('\n');
        return lines[0] + "\n" + string.Join("\n", change(lines[1..])) + "\n";
    }

    private static string Shuffled(string csv) => Variant(csv, rows => { var a = rows.ToArray(); new Random(42).Shuffle(a); return a; });

    /// <summary>normal and flood swap names, and a protocol never seen in training appears.</summary>
    private static string Relabelled(string csv) => Variant(csv, rows => rows.Select(line =>
    {
        var cells = line.Split(',');
        cells[3] = cells[3] switch { "normal" => "flood", "flood" => "normal", var k => k };
        if (cells[2] == "udp") cells[2] = "sctp";
        return string.Join(",", cells);
    }).ToArray());

    [Fact]
    public void Auto_leaves_out_its_own_novelty_detector_when_it_is_above_the_network_limit_and_says_so()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", KindsCsv(420, 11));
        t.Write("test.csv", KindsCsv(120, 12));
        // At 6 inputs auto's 128-64 network holds 9,217 weights and biases, within 9,500; the 128-32 autoencoder it tries as a
        // novelty detector holds 10,022. One scaler: ple's wider inputs would make the network itself too large.
        var options = EngineTestData.SingleThread with { Limits = new EngineLimits { MaxNetworkParameters = 9_500 } };
        var request = EngineTestData.Request(Request(BinaryTarget, ", \"scaler\": \"standard\""));
        var outcome = TrainingEngine.Train(request, t.Roots, options, null, default);
        var note = Assert.Single(outcome.Report.Warnings,
            w => w.StartsWith("model_kind auto: no novelty detector was tried", StringComparison.Ordinal));
        Assert.Contains("10,022 weights and biases at 6 inputs after one-hot, above the limit of 9,500", note);
        Assert.DoesNotContain("novelty", outcome.Report.Selection!.Winner);
    }

    private static (TrainingOutcome Outcome, List<float[]> Weights, string State, string Selection) Train(string json, string testCsv)
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", KindsCsv(420, 11));
        t.Write("test.csv", testCsv);
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        var (state, weights) = ArtifactFormat.Read(outcome.Artifact);
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
        var selection = outcome.Report.Selection! with { Seconds = 0 };
        return (outcome, weights.Select(w => w.Data).ToList(), System.Text.Json.JsonSerializer.Serialize(fitted, ArtifactFormat.Json),
            System.Text.Json.JsonSerializer.Serialize(selection, ReportJson.Options));
    }

    [Theory]
    [InlineData("binary")]
    [InlineData("binary-budget")]
    [InlineData("multiclass")]
    public void Shuffling_or_relabelling_the_test_file_changes_metrics_but_not_the_choices_or_the_model(string task)
    {
        // binary-budget: the detector may cost known-traffic rows, so its admission (and a tree or network under it) is exercised.
        var json = task == "multiclass" ? Request(MultiTarget) : Request(BinaryTarget, task == "binary" ? "" : ", \"novelty_budget\": 5");
        var testCsv = KindsCsv(300, 99);
        var original = Train(json, testCsv);
        var shuffled = Train(json, Shuffled(testCsv));
        var relabelled = Train(json, Relabelled(testCsv));

        var selection = original.Outcome.Report.Selection!;
        Assert.NotEmpty(selection.Winner);
        Assert.Contains(selection.Candidates, c => c.Name == selection.Winner);
        Assert.Contains(selection.Candidates, c => c.Name.StartsWith("light_gbm", StringComparison.Ordinal));
        Assert.Contains(selection.Candidates, c => c.Name.Contains("scaler ple", StringComparison.Ordinal));
        Assert.All(selection.Candidates, c => Assert.False(string.IsNullOrEmpty(c.Verdict), c.Name)); // every candidate says why
        Assert.Single(selection.Candidates, c => c.Verdict!.StartsWith("winner", StringComparison.Ordinal));
        // The selection explains a tree winner; the note for a request that names a tree kind over network options is not given.
        Assert.DoesNotContain(original.Outcome.Report.Warnings, w => w.Contains("network's options are not used", StringComparison.Ordinal));
        // FastTree is a candidate for every task here (multi-class: one-versus-all, 4 classes of a few hundred rows).
        Assert.Contains(selection.Candidates, c => c.Name.StartsWith("fast_tree", StringComparison.Ordinal));
        if (task != "multiclass")
        {
            // The served base is never less accurate, nor more alarmist, on the selection rows than the best tree candidate.
            var trees = selection.Candidates.Where(c => c.Name.StartsWith("fast_tree", StringComparison.Ordinal)
                || c.Name.StartsWith("light_gbm", StringComparison.Ordinal))
                .Where(c => !c.Name.Contains(" + ", StringComparison.Ordinal)); // the bases, not the steps on top of them
            var bestTree = trees.OrderByDescending(c => c.Accuracy).ThenBy(c => c.Fpr).First();
            var chosenBase = selection.Candidates.Single(c => c.Verdict!.Contains("base:", StringComparison.Ordinal));
            Assert.True(chosenBase.Accuracy >= bestTree.Accuracy && chosenBase.Fpr <= bestTree.Fpr, $"{chosenBase} vs {bestTree}");
            // Three attack kinds: the leave-attack-kind-out split exists and the detector is a candidate.
            Assert.Equal(["probe"], selection.HeldOutKinds!); // equal counts: ranked by name, the second is held out
            Assert.Contains(selection.Candidates, c => c.Name.Contains("novelty", StringComparison.Ordinal));
            // A tree base is tried with outlier exposure too, a LightGBM base with lower thresholds, judged by the same cost and
            // leave-out gain (a FastTree base is judged there by a LightGBM refit, whose probabilities are on another scale).
            bool lightGbm = chosenBase.Name.StartsWith("light_gbm", StringComparison.Ordinal);
            if (lightGbm || chosenBase.Name.StartsWith("fast_tree", StringComparison.Ordinal))
                Assert.Contains(selection.Candidates, c => c.Name == chosenBase.Name + " + outlier exposure 0.25");
            Assert.Equal(lightGbm, selection.Candidates.Any(c => c.Name.StartsWith(chosenBase.Name, StringComparison.Ordinal)
                && c.Name.EndsWith(" + threshold 0.02", StringComparison.Ordinal)));
            // A lower threshold the selection admitted is the one the model serves; without it or an F1 threshold, 0.5.
            var step = Regex.Match(selection.Winner, @"\+ threshold ([0-9.]+)");
            if (step.Success || !selection.Winner.Contains("f1 threshold", StringComparison.Ordinal))
                Assert.Equal(step.Success ? double.Parse(step.Groups[1].Value, CultureInfo.InvariantCulture) : 0.5,
                    original.Outcome.Report.Threshold);
        }
        else
        {
            Assert.Contains(selection.Candidates, c => c.Name.Contains("balanced", StringComparison.Ordinal));
            // FastTree is the reference; anything else is served only if as accurate there and surely ahead in macro-F1.
            var reference = Assert.Single(selection.Candidates, c => c.Verdict!.EndsWith("reference", StringComparison.Ordinal));
            Assert.StartsWith("fast_tree", reference.Name, StringComparison.Ordinal);
            var winner = selection.Candidates.Single(c => c.Name == selection.Winner);
            if (winner != reference)
                Assert.True(winner.Accuracy >= reference.Accuracy && winner.Verdict!.Contains("admitted", StringComparison.Ordinal), $"{winner}");
            Assert.All(selection.Candidates.Where(c => c != reference && !c.Name.Contains("(scaler choice)", StringComparison.Ordinal)),
                c => Assert.Matches("ahead on \\d+ % of 200 resamples", c.Verdict!));
        }
        foreach (var other in new[] { shuffled, relabelled })
        {
            Assert.Equal(original.Weights.Count, other.Weights.Count);
            for (int i = 0; i < original.Weights.Count; i++) Assert.Equal(original.Weights[i], other.Weights[i]);
            Assert.Equal(original.State, other.State);
            Assert.Equal(original.Selection, other.Selection);
        }
        Assert.Equal(original.Outcome.Report.Accuracy, shuffled.Outcome.Report.Accuracy);
        Assert.NotEqual(original.Outcome.Report.Accuracy, relabelled.Outcome.Report.Accuracy);
    }

    [Fact]
    public void The_output_layer_follows_the_classes_found_in_the_training_rows()
    {
        var four = Train(Request(MultiTarget), KindsCsv(100, 3));
        Assert.Equal(4, four.Outcome.Report.ClassNames!.Count);
        var (state, _) = ArtifactFormat.Read(four.Outcome.Artifact);
        Assert.Equal("categorical_crossentropy", state.Loss);
        // A served network ends in one softmax unit per class; a served tree ensemble has no layers (the winner says so).
        if (state.Layers.Count > 0) Assert.Equal((4, "softmax"), (state.Layers[^1].Units, state.Layers[^1].Activation));
        else Assert.Matches("^(light_gbm|fast_tree)", four.Outcome.Report.Selection!.Winner);

        var binary = Train(Request(BinaryTarget), KindsCsv(100, 3));
        var (binaryState, _) = ArtifactFormat.Read(binary.Outcome.Artifact);
        Assert.Equal("binary_crossentropy", binaryState.Loss);
        if (binaryState.Layers.Count > 0) Assert.Equal((1, "sigmoid"), (binaryState.Layers[^1].Units, binaryState.Layers[^1].Activation));
        else Assert.Matches("^(light_gbm|fast_tree)", binary.Outcome.Report.Selection!.Winner);
    }

    /// <summary>y = sin(x0)·x1 plus a protocol offset and noise: trees and networks both fit it, not equally well.</summary>
    internal static string RegressionCsv(int rows, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("x0,x1,proto,y\n");
        for (int i = 0; i < rows; i++)
        {
            double a = rng.NextDouble() * 6 - 3, b = rng.NextDouble() * 5;
            var proto = i % 3 == 0 ? "tcp" : "udp";
            sb.Append(CultureInfo.InvariantCulture, $"{a:R},{b:R},{proto},{Math.Sin(a) * b + (proto == "tcp" ? 2 : 0) + rng.NextDouble() * 0.3:R}\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void A_regression_target_is_chosen_by_selection_mse_and_the_test_file_never_changes_it()
    {
        const string json = """
            {"label": "AutoRegression", "dataset": "train.csv", "test_dataset": "test.csv", "ml_type": "regression", "predict_feature": "y",
             "features_to_process": ["x0", "x1", "proto"], "categorical_features": ["proto"], "model_kind": "auto", "seed": 4, "epochs": 8}
            """;
        (TrainingOutcome Outcome, string State, string Selection) Run(string testCsv)
        {
            using var t = new EngineTestData.TempRoot();
            t.Write("train.csv", RegressionCsv(600, 7));
            t.Write("test.csv", testCsv);
            var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
            var (state, _) = ArtifactFormat.Read(outcome.Artifact);
            var fitted = state with { CreatedUtc = default, Mse = null, Mae = null, R2 = null, TestRows = 0 };
            return (outcome, System.Text.Json.JsonSerializer.Serialize(fitted, ArtifactFormat.Json),
                System.Text.Json.JsonSerializer.Serialize(outcome.Report.Selection! with { Seconds = 0 }, ReportJson.Options));
        }
        var test = RegressionCsv(200, 8);
        var original = Run(test);
        var selection = original.Outcome.Report.Selection!;

        // Both trees and both scalers' networks compete on MSE in the target's units. FastTree is the reference; another
        // candidate is served only with a surely lower MSE, and then the lowest of those.
        Assert.Equal(["fast_tree, scaler standard", "light_gbm, scaler standard", "network, scaler standard", "network, scaler ple"],
            selection.Candidates.Select(c => c.Name));
        Assert.All(selection.Candidates, c => Assert.True(c.Mse > 0 && c.R2 is not null && c.Accuracy is null, c.Name));
        var reference = Assert.Single(selection.Candidates, c => c.Verdict!.EndsWith("reference", StringComparison.Ordinal));
        Assert.Equal("fast_tree, scaler standard", reference.Name);
        Assert.All(selection.Candidates.Where(c => c != reference), c => Assert.Matches("MSE lower on \\d+ % of 200 resamples", c.Verdict!));
        var admitted = selection.Candidates.Where(c => c.Verdict!.Contains("admitted", StringComparison.Ordinal)).ToList();
        var winner = Assert.Single(selection.Candidates, c => c.Verdict!.StartsWith("winner", StringComparison.Ordinal));
        Assert.Equal(admitted.Count > 0 ? admitted.MinBy(c => c.Mse)!.Name : reference.Name, winner.Name);
        Assert.Equal(winner.Name, selection.Winner);
        Assert.True(winner.Mse <= reference.Mse, $"{winner}");
        Assert.True(original.Outcome.Report.R2 > 0.8, $"{original.Outcome.Report.R2}");
        var (state, _) = ArtifactFormat.Read(original.Outcome.Artifact);
        Assert.Equal(selection.Winner.StartsWith("network", StringComparison.Ordinal) ? null : selection.Winner.Split(',')[0], state.ModelKind);

        // Shuffled or with other targets, the test file changes the reported MSE only.
        var shuffled = Run(Shuffled(test));
        var changed = Run(Variant(test, rows => rows.Select(l => l[..(l.LastIndexOf(',') + 1)] + "0").ToArray()));
        foreach (var other in new[] { shuffled, changed })
        {
            Assert.Equal(original.State, other.State);
            Assert.Equal(original.Selection, other.Selection);
        }
        Assert.Equal(original.Outcome.Report.Mse!.Value, shuffled.Outcome.Report.Mse!.Value, 12); // the same errors, summed in another order
        Assert.NotEqual(original.Outcome.Report.Mse, changed.Outcome.Report.Mse);
    }

    [Fact]
    public void A_selection_row_s_target_never_reaches_the_regression_candidates_fits()
    {
        // One selection row's target set to y0 (as generated), then to two values far outside every other target. With
        // each candidate's predictions unchanged, n·MSE = S + (p - y)² over the selection rows, and p, that row's
        // prediction, comes out of any two runs the same. Scaling the target on rows that include it (the training split)
        // refits every candidate at each value, and the three runs disagree on p.
        const string json = """
            {"label": "AutoRegression", "dataset": "train.csv", "ml_type": "regression", "predict_feature": "y",
             "features_to_process": ["x0", "x1", "proto"], "categorical_features": ["proto"], "model_kind": "auto", "seed": 4, "epochs": 8}
            """;
        var request = EngineTestData.Request(json);
        var csv = RegressionCsv(600, 7);
        var lines = csv.TrimEnd('\n').Split('\n');
        var (trainRows, _) = Splits.TrainTest(600, request.TestSize, request.Seed, null); // as RowSplit makes it for a regression
        var row = AntiNex.Learning.Selection.InnerSplit.Carve(trainRows, null, 0.2, request.Seed).Selection[0];
        var y0 = TargetProbe.TargetOf(lines, row);
        SelectionReport Run(double y)
        {
            using var t = new EngineTestData.TempRoot();
            t.Write("train.csv", TargetProbe.WithTarget(lines, row, y));
            return TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default).Report.Selection!;
        }
        var (r0, r1, r2) = (Run(y0), Run(50), Run(100));
        int n = r0.SelectionRows;
        foreach (var c in r0.Candidates)
        {
            double m0 = c.Mse!.Value, m1 = r1.Candidates.Single(x => x.Name == c.Name).Mse!.Value;
            double m2 = r2.Candidates.Single(x => x.Name == c.Name).Mse!.Value;
            double p01 = TargetProbe.ImpliedPrediction(n, m0, y0, m1, 50), p12 = TargetProbe.ImpliedPrediction(n, m1, 50, m2, 100);
            Assert.True(Math.Abs(p01 - p12) < 1e-6, $"{c.Name}: the row's prediction moved with its target ({p01} vs {p12})");
            Assert.InRange(p01, -10, 10); // a prediction like the other rows' targets, not pulled towards 50 or 100
        }
    }

    [Fact]
    public void Bad_auto_fields_are_named()
    {
        var e = Assert.Throws<RequestException>(() => EngineTestData.Request(Request(BinaryTarget, ", \"model_kind\": \"forest\"").Replace(
            "\"model_kind\": \"auto\", ", "")));
        Assert.Contains(e.Issues, i => i.Field == "model_kind");
        e = Assert.Throws<RequestException>(() => EngineTestData.Request(Request(BinaryTarget, ", \"selection_split\": 0.9")));
        Assert.Contains(e.Issues, i => i.Field == "selection_split");
        e = Assert.Throws<RequestException>(() => EngineTestData.Request(Request(BinaryTarget, ", \"novelty_budget\": -1")));
        Assert.Contains(e.Issues, i => i.Field == "novelty_budget");
        e = Assert.Throws<RequestException>(() => EngineTestData.Request(Request(BinaryTarget, ", \"novelty\": {\"normal_class\": 0}")));
        Assert.Contains(e.Issues, i => i.Field == "model_kind");
        e = Assert.Throws<RequestException>(() => EngineTestData.Request(Request(BinaryTarget, ", \"outlier_exposure\": 1")));
        Assert.Contains(e.Issues, i => i.Field == "outlier_exposure" && i.Message.Contains("auto", StringComparison.Ordinal));
        // Outlier exposure needs a normal class against one attack class: with four classes found it is refused by name.
        var trees = Request(MultiTarget).Replace("\"model_kind\": \"auto\"", "\"model_kind\": \"light_gbm\", \"outlier_exposure\": 0.25",
            StringComparison.Ordinal);
        e = Assert.Throws<RequestException>(() => Train(trees, KindsCsv(60, 3)));
        Assert.Contains(e.Issues, i => i.Field == "outlier_exposure" && i.Message.Contains("4 classes", StringComparison.Ordinal));
    }

    /// <summary>A request's own threshold rule is the one every candidate is judged at, as the winner is served with it; an
    /// ensemble, which auto would not judge, is refused.</summary>
    [Fact]
    public void Candidates_are_judged_at_the_requests_threshold_rule_and_an_ensemble_is_refused()
    {
        var (outcome, _, _, _) = Train(Request(BinaryTarget, ", \"threshold\": {\"max_fpr\": 0.05}"), KindsCsv(120, 4));
        var selection = outcome.Report.Selection!;
        Assert.Contains(selection.Candidates, c => c.Name.EndsWith(", max_fpr 0.05 threshold", StringComparison.Ordinal));
        Assert.DoesNotContain(selection.Candidates, c => c.Name.Contains("f1 threshold", StringComparison.Ordinal));
        var e = Assert.Throws<RequestException>(() => Train(Request(BinaryTarget, ", \"ensemble\": {\"seeds\": 3}"), KindsCsv(60, 3)));
        Assert.Contains(e.Issues, i => i.Field == "model_kind" && i.Message.Contains("ensemble", StringComparison.Ordinal));
    }

    /// <summary>LightGBM (through ML.NET) cannot be fitted on a few dozen well-separated rows: auto compares the candidates
    /// that can be, and says so; a light_gbm request is refused naming model_kind, not an unhandled exception.</summary>
    [Fact]
    public void A_tree_that_cannot_be_fitted_on_a_few_rows_drops_out_of_auto_and_is_a_named_refusal_when_asked_for()
    {
        var csv = SeparatedCsv(60, apart: 2, seed: 3);
        TrainingOutcome Run(string kind)
        {
            using var t = new EngineTestData.TempRoot();
            t.Write("small.csv", csv);
            var json = $$"""
                {"label": "Small", "dataset": "small.csv", "ml_type": "classification", "predict_feature": "label",
                 "features_to_process": ["x0", "x1"], "model_kind": "{{kind}}", "seed": 1, "epochs": 3}
                """;
            return TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        }
        var auto = Run("auto");
        Assert.Contains(auto.Report.Warnings, w => w.StartsWith("model_kind auto: light_gbm left out where it could not be fitted",
            StringComparison.Ordinal));
        Assert.DoesNotContain(auto.Report.Selection!.Candidates, c => c.Name.StartsWith("light_gbm", StringComparison.Ordinal));
        Assert.Contains(auto.Report.Selection!.Candidates, c => c.Name.StartsWith("fast_tree", StringComparison.Ordinal));
        Assert.NotNull(auto.Report.Accuracy);
        var e = Assert.Throws<RequestException>(() => Run("light_gbm"));
        Assert.Contains(e.Issues, i => i.Field == "model_kind" && i.Message.Contains("LightGBM could not fit", StringComparison.Ordinal));
    }

    /// <summary>On rows the trees separate alike, a base as accurate as the winner with no higher FPR lost on the candidate
    /// order only: its verdict says it tied, not "less accurate".</summary>
    [Fact]
    public void A_base_tied_with_the_winner_is_reported_as_tied_not_less_accurate()
    {
        var csv = SeparatedCsv(400, apart: 3, seed: 7);
        using var t = new EngineTestData.TempRoot();
        t.Write("apart.csv", csv);
        var json = """
            {"label": "Apart", "dataset": "apart.csv", "ml_type": "classification", "predict_feature": "label",
             "features_to_process": ["x0", "x1"], "model_kind": "auto", "seed": 1, "epochs": 3}
            """;
        var selection = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default)
            .Report.Selection!;
        var winner = selection.Candidates.Single(c => c.Verdict?.StartsWith("winner", StringComparison.Ordinal) == true);
        var tied = selection.Candidates.Where(c => c != winner && !c.Name.EndsWith("(scaler choice)", StringComparison.Ordinal)
            && c.Accuracy == winner.Accuracy
            && c.Fpr == winner.Fpr).ToList();
        Assert.NotEmpty(tied); // both trees separate these rows: the test needs a tie to mean anything
        Assert.All(tied, c => Assert.Equal("eligible, tied with the winner (the earlier candidate is served)", c.Verdict));
        Assert.Equal("eligible, as accurate, higher FPR", TrainingRun.EligibleVerdict(90, 2, 90, 1));
        Assert.Equal("eligible, less accurate", TrainingRun.EligibleVerdict(89, 1, 90, 1));
    }

    /// <summary>Two attack kinds of one row each: with one of them among the selection rows (so on these seeds) and the other
    /// held out, the leave-out fit would hold no attack row. There is then no leave-out judgment (as with a single attack kind): the
    /// request trains, and the selection's metric says why no step was tried on top of the base.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void A_leave_out_fit_without_an_attack_row_is_no_leave_out_split_and_the_request_still_trains(int seed)
    {
        var rng = new Random(seed);
        string Csv(int rows, int[] aaa, int[] bbb)
        {
            var csv = new StringBuilder("x0,x1,kind\n");
            for (int i = 0; i < rows; i++)
            {
                var kind = aaa.Contains(i) ? "aaa" : bbb.Contains(i) ? "bbb" : "normal";
                double shift = kind == "normal" ? 0 : 3;
                csv.Append(CultureInfo.InvariantCulture, $"{shift + rng.NextDouble():R},{shift + rng.NextDouble():R},{kind}\n");
            }
            return csv.ToString();
        }
        using var t = new EngineTestData.TempRoot();
        t.Write("kinds.csv", Csv(32, [10], [20])); // 30 normal rows, one of each attack kind
        t.Write("kinds-test.csv", Csv(12, [3, 4], [8, 9]));
        var json = $$"""
            {"label": "Kinds", "dataset": "kinds.csv", "test_dataset": "kinds-test.csv", "ml_type": "classification", "predict_feature": "kind",
             "features_to_process": ["x0", "x1"], "target_rules": {{BinaryTarget}}, "model_kind": "auto", "seed": {{seed}}, "epochs": 3}
            """;
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        var selection = outcome.Report.Selection!;
        Assert.Null(selection.HeldOutKinds);
        Assert.Contains("no leave-attack-kind-out split", selection.Metric, StringComparison.Ordinal);
        Assert.NotNull(outcome.Report.Accuracy);
    }

    /// <summary>Two classes in alternate rows, x0 around +apart or -apart (one unit wide), x1 noise: any tree separates them.</summary>
    private static string SeparatedCsv(int rows, int apart, int seed)
    {
        var csv = new StringBuilder("x0,x1,label\n");
        var rng = new Random(seed);
        for (int i = 0; i < rows; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{(i % 2 == 0 ? apart : -apart) + rng.NextDouble() - 0.5:R},{rng.NextDouble():R},{i % 2}\n");
        return csv.ToString();
    }
}
