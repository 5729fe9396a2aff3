using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>Bad data reaching the engine: a clear RequestException naming the field, nothing trained.</summary>
public class EngineBadInputTests
{
    private static RequestException Fails(EngineTestData.TempRoot t, string json)
        => Assert.Throws<RequestException>(() => TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null,
            CancellationToken.None));

    private static string Req(string dataset, string extra = "") => $$"""
        {"label": "bad", "dataset": "{{dataset}}", "predict_feature": "label", "features_to_process": ["x0", "x1"],
         "epochs": 1, "num_splits": 2{{extra}}}
        """;

    [Fact]
    public void Every_feature_constant_is_refused_naming_the_features()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("flat.csv", "x0,x1,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"1,7,{i % 2}\n")));
        var e = Fails(t, Req("flat.csv", ", \"model_kind\": \"auto\""));
        Assert.Equal("features_to_process", e.Issues[0].Field);
        Assert.Contains("every feature (x0, x1) holds one value", e.Message);
    }

    [Fact]
    public void Missing_dataset_file()
    {
        using var t = new EngineTestData.TempRoot();
        var e = Fails(t, Req("nope.csv"));
        Assert.Equal("dataset", e.Issues[0].Field);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void Dataset_path_outside_the_roots()
    {
        using var t = new EngineTestData.TempRoot();
        Assert.Equal("dataset", Fails(t, Req("/etc/passwd")).Issues[0].Field);
        Assert.Equal("dataset", Fails(t, Req("../../etc/passwd")).Issues[0].Field);
        t.Write("x.csv", "x0,x1,label\n1,2,0\n2,3,1\n");
        Assert.Equal("test_dataset", Fails(t, Req("x.csv", ", \"test_dataset\": \"/etc/shadow\"")).Issues.Single().Field);
        var both = Fails(t, Req("/etc/passwd", ", \"test_dataset\": \"../x.csv\""));
        Assert.Equal(["dataset", "test_dataset"], both.Issues.Select(i => i.Field).ToArray());
    }

    [Fact]
    public void Feature_not_in_the_csv()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,label\n1,0\n2,1\n");
        var e = Fails(t, Req("x.csv"));
        Assert.Equal("features_to_process", e.Issues[0].Field);
        Assert.Contains("'x1'", e.Message);
    }

    [Fact]
    public void Predict_feature_not_in_the_csv()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,x1\n1,0\n2,1\n");
        Assert.Equal("predict_feature", Fails(t, Req("x.csv")).Issues[0].Field);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void Non_numeric_or_non_finite_feature_value(string cell)
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", $"x0,x1,label\n1,2,0\n{cell},3,1\n4,5,0\n");
        var e = Fails(t, Req("x.csv"));
        Assert.Equal("features_to_process", e.Issues[0].Field);
        Assert.Contains("column 'x0' row 1", e.Message);
    }

    [Fact]
    public void Zero_rows()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,x1,label\n");
        Assert.Contains("zero data rows", Fails(t, Req("x.csv")).Message);
    }

    [Fact]
    public void Single_class()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,x1,label\n1,2,1\n2,3,1\n3,4,1\n4,5,1\n");
        var e = Fails(t, Req("x.csv"));
        Assert.Equal("predict_feature", e.Issues[0].Field);
        Assert.Contains("single class", e.Message);
    }

    [Fact]
    public void Num_splits_larger_than_a_class()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,x1,label\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"{i},{i},{(i < 4 ? 1 : 0)}\n")));
        var e = Fails(t, Req("x.csv").Replace("\"num_splits\": 2", "\"num_splits\": 5"));
        Assert.Equal("num_splits", e.Issues[0].Field);
        Assert.Contains("only 3 training rows", e.Message); // 4 attacks, 1 held out
    }

    [Fact]
    public void Text_target_without_target_rules_and_an_empty_class_cell()
    {
        // Text classes are numbered by the engine (FlowExportTargetTests); a row without a class is an error naming it.
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,x1,label\n1,2,normal\n2,3,smurf\n3,4,\n");
        var e = Fails(t, Req("x.csv"));
        Assert.Equal("predict_feature", e.Issues[0].Field);
        Assert.Contains("row 2: empty target value in 'label'", e.Message);
    }

    [Theory]
    [InlineData("?")]
    [InlineData("NaN")]
    public void A_class_column_of_numbers_with_a_stray_text_cell_is_refused_naming_it(string stray)
    {
        // Numbered as text, the stray cell would be a third class and the attacks (the most rows) class 0.
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,x1,label\n"
            + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},{i % 7},{(i == 7 ? stray : i % 3 == 0 ? 0 : 1)}\n")));
        var e = Fails(t, Req("x.csv"));
        var issue = Assert.Single(e.Issues);
        Assert.Equal("predict_feature", issue.Field);
        Assert.Contains($"'label' holds class numbers (0, 1) in 39 rows, and text in 1 row: '{stray}' (1 row), the first in row 7", issue.Message);
    }

    [Fact]
    public void A_class_column_of_numbers_with_text_cells_that_label_rules_name_trains()
    {
        // "unknown" is a class the user named: not a stray cell.
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,x1,label\n" + string.Concat(Enumerable.Range(0, 90).Select(i =>
            $"{i % 3 * 4 + i % 5 * 0.1},{i % 7},{(i % 3 == 2 ? "unknown" : i % 3 == 0 ? "0" : "1")}\n")));
        var outcome = TrainingEngine.Train(EngineTestData.Request(Req("x.csv", """
            , "model_kind": "fast_tree", "label_rules": {"labels": ["0", "1", "unknown"], "label_values": [0, 1, 2]}
            """)), t.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        Assert.Equal(["0", "1", "unknown"], outcome.Report.ClassNames);

        // A text cell that label_rules leave out is still refused, told to name it there.
        t.Write("y.csv", "x0,x1,label\n"
            + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},{i % 7},{(i == 7 ? "?" : i % 3 == 0 ? 0 : 1)}\n")));
        var e = Fails(t, Req("y.csv", """, "label_rules": {"labels": ["0", "1"], "label_values": [0, 1]}"""));
        var issue = Assert.Single(e.Issues);
        Assert.Contains("'?' (1 row), the first in row 7", issue.Message);
        Assert.Contains("name every value in label_rules", issue.Message);
        Assert.DoesNotContain("target_rules", issue.Message);
    }

    [Fact]
    public void A_dataset_of_five_rows_is_refused_as_too_few_rows_not_only_as_a_validation_split()
    {
        // The recommended requests do not set validation_split: the error says what to change in the data.
        using var t = new EngineTestData.TempRoot();
        t.Write("five.csv", "x0,x1,label\n0.1,0.2,0\n3.1,3.3,1\n0.3,0.1,0\n3.2,3.0,1\n0.2,0.3,0\n");
        var e = Fails(t, """{"label": "five", "dataset": "five.csv", "predict_feature": "label", "model_kind": "auto", "seed": 1}""");
        var issue = Assert.Single(e.Issues);
        Assert.Equal("validation_split", issue.Field);
        Assert.Contains("the dataset has too few rows to train on (give it more rows)", issue.Message);
    }

    [Fact]
    public void Output_layer_that_does_not_fit_the_classes()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,x1,label\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"{i},{i},{i % 3}\n")));
        var e = Fails(t, Req("x.csv", """, "model_desc": {"layers": [{"num_neurons": 1, "init": "uniform", "activation": "sigmoid"}]}"""));
        Assert.Equal("model_desc.layers", e.Issues[0].Field);
        Assert.Contains("3 classes", e.Message);
    }

    [Fact]
    public void Classification_loss_for_regression()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("x.csv", "x0,x1,label\n1,2,0.5\n2,3,1.5\n3,3,1\n");
        var e = Fails(t, Req("x.csv", ", \"ml_type\": \"regression\", \"loss\": \"binary_crossentropy\""));
        Assert.Equal("loss", e.Issues[0].Field);
    }

    [Fact]
    public void An_empty_target_cell_is_refused_even_with_a_default_class()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("cut.csv", "x0,x1,label\n1,2,normal\n2,3,\n3,4,neptune\n4,5,normal\n5,6,neptune\n");
        var e = Fails(t, Req("cut.csv", ", \"target_rules\": {\"map\": {\"normal\": 0}, \"default\": 1}"));
        Assert.Equal("predict_feature", e.Issues[0].Field);
        Assert.Contains("row 1: empty target value", e.Message);
    }

    [Fact]
    public void A_test_file_with_a_class_the_training_rows_lack_still_trains_a_multi_class_network()
    {
        using var t = new EngineTestData.TempRoot();
        var rng = new Random(5);
        string Rows(int n, params string[] classes) => string.Concat(Enumerable.Range(0, n).Select(i =>
        {
            var c = classes[i % classes.Length];
            var at = Array.IndexOf(["a", "b", "c", "d"], c) * 3;
            return $"{at + rng.NextDouble():F3},{at - rng.NextDouble():F3},{c}\n";
        }));
        t.Write("train.csv", "x0,x1,label\n" + Rows(120, "a", "b", "c"));
        t.Write("test.csv", "x0,x1,label\n" + Rows(40, "a", "b", "c", "d"));
        var outcome = TrainingEngine.Train(EngineTestData.Request(Req("train.csv", ", \"test_dataset\": \"test.csv\"")),
            t.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        Assert.Contains(outcome.Report.Warnings, w => w.Contains("classes the training data lacks (d)", StringComparison.Ordinal));
        Assert.NotNull(outcome.Report.Accuracy);
    }

    [Theory]
    [InlineData("a", "b", "z")] // class names: numbered from the training rows
    [InlineData("0", "1", "7")] // numeric classes
    public void A_test_file_without_one_row_of_a_known_class_is_refused_naming_it(string first, string second, string unknown)
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", "x0,x1,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},{i % 7},{(i % 2 == 0 ? first : second)}\n")));
        t.Write("test.csv", $"x0,x1,label\n1,2,{unknown}\n3,4,{unknown}\n");
        var e = Fails(t, Req("train.csv", ", \"test_dataset\": \"test.csv\""));
        Assert.Equal("test_dataset", e.Issues[0].Field);
        Assert.Contains("nothing to score", e.Message);
    }
}
