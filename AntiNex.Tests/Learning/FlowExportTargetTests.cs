using System.Globalization;
using System.Text;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// A flow export as a user brings it. Its text class column without target_rules (Label: BENIGN, DoS Hulk, ...) trains
/// as it is: the engine numbers the classes from the training rows (normal traffic first, then by row count), says so
/// in a warning, stores the numbering with the model and predicts the names; the test file never shapes the numbers.
/// Its padded and repeated header names are read, and a request that copied the padding is told how to write them.
/// </summary>
public class FlowExportTargetTests
{
    /// <summary>Three well separated classes: BENIGN (most rows), DoS (fewer), Web Attack – XSS (fewest).</summary>
    private static string FlowsCsv(int rows, int seed, string benign = "BENIGN", string? extraClass = null)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder(" Flow Duration, Packets, Label\n"); // flow exports pad their header names
        for (int i = 0; i < rows; i++)
        {
            var (name, centre) = (i % 10) switch
            {
                < 6 => (benign, 0.0),
                < 9 => ("DoS Hulk", 4.0),
                _ => (extraClass ?? "Web Attack \u2013 XSS", -4.0),
            };
            sb.Append(CultureInfo.InvariantCulture, $"{centre + rng.NextDouble():R},{centre - rng.NextDouble():R},{name}\n");
        }
        return sb.ToString();
    }

    private static string Request(string extra = "") => $$"""
        {"label": "Flows", "dataset": "train.csv", "test_dataset": "test.csv", "predict_feature": "Label",
         "features_to_process": ["Flow Duration", "Packets"], "model_kind": "fast_tree", "seed": 3{{extra}}}
        """;

    private static TrainingOutcome Train(EngineTestData.TempRoot t, string json)
        => TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);

    [Fact]
    public void Text_classes_are_numbered_from_the_training_rows_normal_first_and_stored_with_the_model()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", FlowsCsv(300, 1));
        t.Write("test.csv", FlowsCsv(100, 2));
        var outcome = Train(t, Request());

        Assert.Equal(["BENIGN", "DoS Hulk", "Web Attack \u2013 XSS"], outcome.Report.ClassNames);
        Assert.True(outcome.Report.Accuracy > 95, $"{outcome.Report.Accuracy}");
        Assert.Contains(outcome.Report.Warnings, w => w.Contains("numbered from the training rows", StringComparison.Ordinal)
            && w.Contains("0 BENIGN, 1 DoS Hulk, 2 Web Attack \u2013 XSS", StringComparison.Ordinal));

        // The numbering travels with the model: a later predict of labelled rows scores them and names the classes.
        t.Write("later.csv", FlowsCsv(50, 3));
        using var model = TrainedModel.Load(outcome.Artifact);
        var p = model.Predict(EngineTestData.Request("""{"label": "Flows", "dataset": "later.csv", "predict_feature": "Label"}"""), t.Roots);
        Assert.True(p.Accuracy > 95, $"{p.Accuracy}");
        Assert.Contains(p.Samples, s => s.LabelName == "Web Attack \u2013 XSS" && s.Original == 2);
    }

    [Fact]
    public void The_numbers_depend_on_the_training_rows_only_not_their_order_nor_the_test_file()
    {
        using var t = new EngineTestData.TempRoot();
        var train = FlowsCsv(300, 1);
        var lines = train.TrimEnd('\n').Split('\n');
        var body = lines[1..];
        new Random(9).Shuffle(body);
        t.Write("train.csv", train);
        t.Write("test.csv", FlowsCsv(100, 2));
        var original = Train(t, Request());
        t.Write("train.csv", lines[0] + "\n" + string.Join("\n", body) + "\n");
        // The test file holds a class the training rows lack: a warning names it, and its rows are not scored.
        t.Write("test.csv", FlowsCsv(100, 2, extraClass: "Heartbleed"));
        var other = Train(t, Request());

        Assert.Equal(original.Report.ClassNames, other.Report.ClassNames);
        using var a = TrainedModel.Load(original.Artifact);
        using var b = TrainedModel.Load(other.Artifact);
        Assert.Equal(a.State.TargetRules!.Map.OrderBy(kv => kv.Key), b.State.TargetRules!.Map.OrderBy(kv => kv.Key));
        Assert.Contains(other.Report.Warnings, w => w.Contains("test_dataset has classes the training data lacks (Heartbleed)",
            StringComparison.Ordinal));
        Assert.True(other.Report.Accuracy > 95, $"{other.Report.Accuracy}");
        Assert.Equal(90, other.Report.ConfusionMatrix!.Sum(row => row.Sum())); // the ten Heartbleed rows are not in it
    }

    [Fact]
    public void Normal_traffic_is_class_zero_even_when_attacks_outnumber_it()
    {
        using var t = new EngineTestData.TempRoot();
        // "normal" holds 6 of 10 rows under the name below; renamed so that DoS Hulk is not the most frequent either way.
        var csv = FlowsCsv(300, 1, benign: "Web Attack \u2013 XSS", extraClass: "normal");
        t.Write("train.csv", csv);
        t.Write("test.csv", csv);
        var outcome = Train(t, Request());
        Assert.Equal("normal", outcome.Report.ClassNames![0]);
    }

    [Fact]
    public void Label_rules_number_the_text_classes_when_given_and_must_name_each_one()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", FlowsCsv(300, 1));
        t.Write("test.csv", FlowsCsv(100, 2));
        var given = Train(t, Request("""
            , "label_rules": {"labels": ["Web Attack \u2013 XSS", "BENIGN", "DoS Hulk"], "label_values": [7, 0, 3]}
            """));
        Assert.Equal(["BENIGN", "DoS Hulk", "Web Attack \u2013 XSS"], given.Report.ClassNames); // class values 0, 3, 7
        using (var model = TrainedModel.Load(given.Artifact)) Assert.Equal([0.0, 3.0, 7.0], model.State.Target.ClassValues);

        var e = Assert.Throws<RequestException>(() => Train(t, Request("""
            , "label_rules": {"labels": ["BENIGN", "DoS Hulk"], "label_values": [0, 1]}
            """)));
        var issue = Assert.Single(e.Issues);
        Assert.Equal("label_rules", issue.Field);
        Assert.Contains("does not name: Web Attack \u2013 XSS", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_later_predict_scores_a_file_whose_class_spellings_differ_from_the_training_file_and_warns_of_unknown_ones()
    {
        string Respell(string csv, params string[] benign) => string.Concat(csv.TrimEnd('\n').Split('\n').Select((line, i) =>
            (line.EndsWith(",BENIGN", StringComparison.Ordinal) ? line[..^"BENIGN".Length] + benign[i % benign.Length] : line) + "\n"));
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", Respell(FlowsCsv(300, 1), "BENIGN", "Benign"));
        t.Write("test.csv", Respell(FlowsCsv(100, 2), "benign"));
        var outcome = Train(t, Request());
        Assert.Equal(100, outcome.Report.ConfusionMatrix!.Sum(row => row.Sum()));

        using var model = TrainedModel.Load(outcome.Artifact);
        var p = model.Predict(EngineTestData.Request("""{"label": "Flows", "dataset": "test.csv", "predict_feature": "Label"}"""), t.Roots);
        Assert.Equal(100, p.Samples.Count);
        Assert.All(p.Samples, s => Assert.NotNull(s.Original)); // the benign rows are scored as BENIGN, not left out
        Assert.True(p.Accuracy > 95, $"{p.Accuracy}");
        Assert.Null(p.Warnings);

        t.Write("other.csv", FlowsCsv(50, 3, extraClass: "Heartbleed"));
        var other = model.Predict(EngineTestData.Request("""{"label": "Flows", "dataset": "other.csv", "predict_feature": "Label"}"""), t.Roots);
        Assert.Contains(other.Warnings!, w => w.Contains("'Label' holds classes the model was not trained on (Heartbleed) in 5 rows",
            StringComparison.Ordinal) && w.Contains("left out of the accuracy", StringComparison.Ordinal));
    }

    [Fact]
    public void Label_rules_over_spellings_in_another_letter_case_count_the_classes_and_say_how_to_keep_spellings_apart()
    {
        string Respell(string csv) => string.Concat(csv.TrimEnd('\n').Split('\n').Select((line, i) =>
            (line.EndsWith(",BENIGN", StringComparison.Ordinal) && i % 2 == 0 ? line[..^"BENIGN".Length] + "Benign" : line) + "\n"));
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", Respell(FlowsCsv(300, 1)));
        t.Write("test.csv", FlowsCsv(100, 2));
        var outcome = Train(t, Request("""
            , "label_rules": {"labels": ["benign", "DoS Hulk", "Web Attack \u2013 XSS"], "label_values": [0, 1, 2]}
            """));
        Assert.Contains(outcome.Report.Warnings, w => w.Contains("numbered by label_rules (3 found in the training rows)", StringComparison.Ordinal)
            && w.Contains("'Benign' is 'benign'", StringComparison.Ordinal)
            && w.Contains("to keep spellings apart, name each in label_rules or target_rules", StringComparison.Ordinal));
    }

    [Fact]
    public void Class_names_that_differ_only_in_letter_case_are_one_class_and_the_normal_one_stays_class_zero()
    {
        // Exports joined from two tools: BENIGN, Benign and benign (each fewer rows than DoS Hulk), DoS Hulk and dos hulk.
        string Respell(string csv, string[] benign, string dos) => string.Concat(csv.TrimEnd('\n').Split('\n').Select((line, i) =>
            (line.EndsWith(",BENIGN", StringComparison.Ordinal) ? line[..^"BENIGN".Length] + benign[i % benign.Length]
                : i % 4 == 0 ? line.Replace("DoS Hulk", dos, StringComparison.Ordinal) : line) + "\n"));
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", Respell(FlowsCsv(300, 1), ["BENIGN", "Benign", "benign"], "dos hulk"));
        t.Write("test.csv", Respell(FlowsCsv(100, 2), ["BENIGN "], "DOS HULK")); // a spelling the training rows lack
        var outcome = Train(t, Request());

        Assert.Equal(["BENIGN", "DoS Hulk", "Web Attack \u2013 XSS"], outcome.Report.ClassNames);
        Assert.Contains(outcome.Report.Warnings, w => w.Contains("letter case aside they are one class: 'Benign' is 'BENIGN'",
            StringComparison.Ordinal) && w.Contains("'dos hulk' is 'DoS Hulk'", StringComparison.Ordinal));
        Assert.True(outcome.Report.Accuracy > 95, $"{outcome.Report.Accuracy}");
        Assert.Equal(100, outcome.Report.ConfusionMatrix!.Sum(row => row.Sum())); // DOS HULK rows are scored as DoS Hulk
        using var model = TrainedModel.Load(outcome.Artifact);
        var p = model.Predict(EngineTestData.Request("""{"label": "Flows", "dataset": "train.csv", "predict_feature": "Label"}"""), t.Roots);
        Assert.Contains(p.Samples, s => s.Original == 0 && s.LabelName == "BENIGN");
        Assert.True(p.Accuracy > 95, $"{p.Accuracy}");
    }

    [Fact]
    public void A_column_of_thousands_of_distinct_texts_is_refused_as_a_class_column_and_numbers_stay_numbers()
    {
        using var t = new EngineTestData.TempRoot();
        var sb = new StringBuilder("x,Label\n");
        for (int i = 0; i < 1200; i++) sb.Append(CultureInfo.InvariantCulture, $"{i % 7},10.0.{i / 250}.{i % 250}\n");
        t.Write("train.csv", sb.ToString());
        t.Write("test.csv", sb.ToString());
        var e = Assert.Throws<RequestException>(() => Train(t, """
            {"label": "Ips", "dataset": "train.csv", "predict_feature": "Label", "features_to_process": ["x"], "model_kind": "fast_tree"}
            """));
        Assert.Equal("predict_feature", Assert.Single(e.Issues).Field);
        Assert.Contains("1,200 distinct text values", e.Issues[0].Message, StringComparison.Ordinal);

        // A numeric class column keeps its own values (the original AntiNex requests), with no numbering warning.
        t.Write("train.csv", EngineTestData.BinaryCsv(200, 4));
        var outcome = Train(t, """
            {"label": "Numbers", "dataset": "train.csv", "predict_feature": "label", "features_to_process": ["x0", "x1"], "model_kind": "fast_tree"}
            """);
        Assert.DoesNotContain(outcome.Report.Warnings, w => w.Contains("numbered", StringComparison.Ordinal));
        using var model = TrainedModel.Load(outcome.Artifact);
        Assert.Null(model.State.TargetRules);
    }

    [Fact]
    public void Padded_header_names_are_read_trimmed_a_padded_request_name_is_told_and_a_repeated_name_is_warned()
    {
        using var t = new EngineTestData.TempRoot();
        // A second column named Packets (constant 7) after the label, as flow exports repeat some names.
        var lines = FlowsCsv(300, 1).TrimEnd('\n').Split('\n');
        var csv = string.Concat(lines.Select((l, i) => l + (i == 0 ? ", Packets" : ",7") + "\n"));
        t.Write("train.csv", csv);
        t.Write("test.csv", csv);
        var outcome = Train(t, Request());
        Assert.Contains(outcome.Report.Warnings, w => w.Contains("column name 'Packets' appears more than once", StringComparison.Ordinal));
        using (var model = TrainedModel.Load(outcome.Artifact))
            Assert.Equal(2, model.State.NetworkInputs); // the first Packets column: the constant one would have been dropped

        var e = Assert.Throws<RequestException>(() => Train(t, Request().Replace("\"Label\"", "\" Label\"", StringComparison.Ordinal)));
        var issue = Assert.Single(e.Issues);
        Assert.Equal("predict_feature", issue.Field);
        Assert.Contains("column ' Label' is not in dataset train.csv; header names are read without surrounding spaces: write 'Label'",
            issue.Message, StringComparison.Ordinal);
    }
    [Fact]
    public void A_windows_1252_export_trains_and_predicts_with_its_class_names_read_right()
    {
        using var t = new EngineTestData.TempRoot();
        void Write(string name, string csv) => File.WriteAllBytes(Path.Combine(t.Path, name), FileEncoding.Windows1252.GetBytes(csv));
        Write("train.csv", FlowsCsv(300, 1));
        Write("test.csv", FlowsCsv(100, 2));
        var outcome = Train(t, Request());

        Assert.Equal(["BENIGN", "DoS Hulk", "Web Attack \u2013 XSS"], outcome.Report.ClassNames);
        Assert.Contains(outcome.Report.Warnings, w => w.StartsWith("dataset: train.csv is not UTF-8", StringComparison.Ordinal)
            && w.Contains("read as Windows-1252", StringComparison.Ordinal));
        Assert.Contains(outcome.Report.Warnings, w => w.StartsWith("test_dataset: test.csv is not UTF-8", StringComparison.Ordinal));
        Assert.True(outcome.Report.Accuracy > 95, $"{outcome.Report.Accuracy}");

        Write("later.csv", FlowsCsv(50, 3));
        using var model = TrainedModel.Load(outcome.Artifact);
        var p = model.Predict(EngineTestData.Request("""{"label": "Flows", "dataset": "later.csv", "predict_feature": "Label"}"""), t.Roots);
        Assert.True(p.Accuracy > 95, $"{p.Accuracy}");
        Assert.Contains(p.Samples, s => s.LabelName == "Web Attack \u2013 XSS" && s.Original == 2);
    }

    [Fact]
    public void The_binary_templates_map_takes_normal_in_any_letter_case_and_a_map_no_row_holds_is_named_with_the_columns_values()
    {
        const string binary = """, "target_rules": {"map": {"normal": 0}, "default": 1}""";
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", FlowsCsv(300, 1, benign: "Normal"));
        t.Write("test.csv", FlowsCsv(100, 2, benign: "Normal"));
        var outcome = Train(t, Request(binary));
        Assert.Equal(2, outcome.Report.ClassNames!.Count);
        Assert.True(outcome.Report.Accuracy > 95, $"{outcome.Report.Accuracy}");
        Assert.Contains(outcome.Report.Warnings,
            w => w.Contains("'Normal' took the key 'normal' regardless of letter case", StringComparison.Ordinal));
        // The stored model carries the extended map: labelled rows predicted later are scored with "Normal" as class 0.
        t.Write("later.csv", FlowsCsv(50, 3, benign: "Normal"));
        using (var model = TrainedModel.Load(outcome.Artifact))
        {
            var later = model.Predict(EngineTestData.Request("""{"label": "Flows", "dataset": "later.csv", "predict_feature": "Label"}"""), t.Roots);
            Assert.True(later.Accuracy > 95, $"{later.Accuracy}");
        }

        // "BENIGN" is not "normal" in any case: every row falls to the default, and the error says what the column holds.
        t.Write("train.csv", FlowsCsv(300, 1));
        var e = Assert.Throws<RequestException>(() => Train(t, Request(binary)));
        Assert.Contains("has a single class (1)", e.Message);
        Assert.Contains("no training row holds the target_rules.map key 'normal'", e.Message);
        Assert.Contains("'BENIGN' (180 rows), 'DoS Hulk' (90 rows)", e.Message);

        // A 0/1 column under the template's map: all rows fall to the default; the error says to leave the map out.
        var rows = Enumerable.Range(0, 60).Select(i => $"{i},{i % 7},{i % 3 % 2}");
        t.Write("train.csv", string.Join("\n", rows.Prepend(" Flow Duration, Packets, Label")));
        var numeric = Assert.Throws<RequestException>(() => Train(t, Request(binary)));
        Assert.Contains("'0' (40 rows), '1' (20 rows) (numbers: leave target_rules out to take them as the classes)", numeric.Message);
    }

    [Fact]
    public void A_feature_that_grows_at_every_row_is_warned_as_a_row_number()
    {
        using var t = new EngineTestData.TempRoot();
        var rng = new Random(5);
        // Written class by class, as some public files are: the row number alone tells the class.
        var rows = Enumerable.Range(0, 300).Select(i => $"{i + 1},{rng.Next(100)},{(i < 180 ? "BENIGN" : "DoS Hulk")}");
        t.Write("train.csv", string.Join("\n", rows.Prepend("id,Packets,Label")));
        t.Write("test.csv", "id,Packets,Label\n1,5,BENIGN\n2,7,DoS Hulk\n");
        string Features(string list) => $$"""
            {"label": "Rows", "dataset": "train.csv", "test_dataset": "test.csv", "predict_feature": "Label",
             "features_to_process": [{{list}}], "model_kind": "fast_tree", "seed": 3}
            """;
        var warned = Train(t, Features("\"id\", \"Packets\"")).Report.Warnings;
        Assert.Contains(warned, w => w.StartsWith("features_to_process: 'id' grows at every one of the 300 rows", StringComparison.Ordinal));
        Assert.DoesNotContain(warned, w => w.Contains("'Packets' grows", StringComparison.Ordinal));
        Assert.DoesNotContain(Train(t, Features("\"Packets\"")).Report.Warnings, w => w.Contains(" grows at every", StringComparison.Ordinal));
    }

    [Fact]
    public void A_feature_that_tells_every_rows_class_is_warned_as_the_target_under_another_name()
    {
        using var t = new EngineTestData.TempRoot();
        var rng = new Random(7);
        // A dataset's 0/1 label beside its category column; the binary map turns the category into that same 0/1.
        var rows = Enumerable.Range(0, 300).Select(i => rng.Next(3) switch
        {
            0 => $"{rng.Next(100)},Normal,0,{rng.Next(2)}",
            1 => $"{rng.Next(100)},Exploits,1,{rng.Next(2)}",
            _ => $"{rng.Next(100)},Fuzzers,1,{rng.Next(2)}",
        });
        t.Write("train.csv", string.Join("\n", rows.Prepend("Packets,attack_cat,label,flag")));
        t.Write("test.csv", "Packets,attack_cat,label,flag\n5,Normal,0,1\n7,Exploits,1,0\n");
        string Request(string target) => $$"""
            {"label": "Copies", "dataset": "train.csv", "test_dataset": "test.csv", "predict_feature": "attack_cat",
             "features_to_process": ["Packets", "label", "flag"], "model_kind": "fast_tree", "seed": 3{{target}}}
            """;
        var binary = Train(t, Request(""", "target_rules": {"map": {"Normal": 0}, "default": 1}""")).Report.Warnings;
        Assert.Contains(binary, w => w.StartsWith("features_to_process: 'label' alone tells the class of every training row",
            StringComparison.Ordinal));
        Assert.DoesNotContain(binary, w => w.Contains("'flag' alone", StringComparison.Ordinal)
            || w.Contains("'Packets' alone", StringComparison.Ordinal));
        // As three classes, the 0/1 label no longer tells Exploits from Fuzzers: no warning.
        Assert.DoesNotContain(Train(t, Request("")).Report.Warnings, w => w.Contains(" alone tells", StringComparison.Ordinal));
    }

    [Fact]
    public void Training_values_in_another_letter_case_join_the_map_as_their_own_keys_when_their_keys_agree()
    {
        var rules = new TargetRules(new Dictionary<string, double> { ["normal"] = 0, ["mixed"] = 2, ["MIXED"] = 3 }, 1);
        var extended = rules.WithCaseVariants(["Normal", " NORMAL ", "normal", "Mixed", "mixed", "smurf"], out var added);
        Assert.Equal([("NORMAL", "normal"), ("Normal", "normal")], added);
        Assert.Equal(0, extended.Map["Normal"]);
        Assert.Equal(0, extended.Map["NORMAL"]);
        Assert.False(extended.Map.ContainsKey("Mixed")); // "mixed" and "MIXED" disagree: the default decides
        Assert.True(extended.TryMap("Mixed", out var mixed) && mixed == 1);
        Assert.True(extended.TryMap("smurf", out var smurf) && smurf == 1);
        // Matching stays exact: the request's own rules still send "Normal" to the default, and nothing new means the same rules.
        Assert.True(rules.TryMap("Normal", out var before) && before == 1);
        Assert.Same(rules, rules.WithCaseVariants(["normal", "smurf"], out var none));
        Assert.Empty(none);
    }

    [Fact]
    public void A_class_with_few_training_rows_is_named_in_a_warning_with_its_count()
    {
        using var t = new EngineTestData.TempRoot();
        var lines = FlowsCsv(300, 1).TrimEnd('\n').Split('\n');
        t.Write("train.csv", FlowsCsv(300, 1));
        t.Write("test.csv", FlowsCsv(100, 2));
        Assert.DoesNotContain(Train(t, Request()).Report.Warnings, w => w.Contains("training rows (", StringComparison.Ordinal));

        int xss = 0; // keep 6 of the 30 XSS rows
        t.Write("train.csv", string.Join("\n", lines.Where(l => !l.EndsWith("XSS", StringComparison.Ordinal) || xss++ < 6)) + "\n");
        var warnings = Train(t, Request()).Report.Warnings;
        Assert.Contains(warnings, w => w.StartsWith("Label: 1 of 3 classes has fewer than 20 training rows (Web Attack \u2013 XSS 6): " +
            "their recall and F1 rest on a few held-out rows", StringComparison.Ordinal));
    }
}
