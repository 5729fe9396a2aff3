using System.Text;
using AntiNex.Learning;
using AntiNex.Node;
using AntiNex.Requests;
using AntiNex.Tests.Data;
using Microsoft.Extensions.Configuration;

namespace AntiNex.Tests.Learning;

/// <summary>Limits against resource exhaustion: each one a RequestException naming the field and the limit.</summary>
public class EngineLimitsTests
{
    private static RequestIssue ParseFails(string json, EngineLimits? limits = null)
        => Assert.Throws<RequestException>(() => AntiNexRequest.Parse(json, limits ?? new EngineLimits(), out _)).Issues.Single();

    private static string Req(string extra) => $$"""
        {"label": "limits", "dataset": "d.csv", "predict_feature": "label", "features_to_process": ["x0", "x1"]{{extra}}}
        """;

    private static string Layers(string firstUnits) => $$"""
        , "model_desc": {"layers": [{"num_neurons": {{firstUnits}}, "init": "uniform", "activation": "relu"},
                                    {"num_neurons": 500, "init": "uniform", "activation": "relu"},
                                    {"num_neurons": 1, "init": "uniform", "activation": "sigmoid"}]}
        """;

    [Fact]
    public void Epochs_above_the_limit_are_refused_by_name()
    {
        var issue = ParseFails(Req(", \"epochs\": 1e9"));
        Assert.Equal("epochs", issue.Field);
        Assert.Contains("above the limit of 10,000 epochs", issue.Message);
        Assert.Contains("out of range", ParseFails(Req(", \"epochs\": 1e12")).Message);
        Assert.Contains("out of range", ParseFails(Req(", \"epochs\": \"1e12\"")).Message);
        // Whole numbers written as text read as the same numbers written as JSON numbers.
        Assert.Equal((5, 1000), (AntiNexRequest.Parse(Req(", \"epochs\": \"5.0\", \"batch_size\": \"1e3\""), out _).Epochs,
            AntiNexRequest.Parse(Req(", \"epochs\": 5.0, \"batch_size\": 1e3"), out _).BatchSize));
        Assert.Contains("must be an integer", ParseFails(Req(", \"epochs\": \"5.5\"")).Message);
        Assert.Equal(3, AntiNexRequest.Parse(Req(", \"epochs\": 3"), new EngineLimits { MaxEpochs = 3 }, out _).Epochs);
    }

    [Theory]
    [InlineData("\"1000000000\"")]
    [InlineData("1e9")]
    [InlineData("1000000")]
    public void A_layer_wider_than_the_limit_is_refused_with_the_limit_not_a_type_error(string units)
    {
        var issue = ParseFails(Req(Layers(units)));
        Assert.Equal("model_desc.layers[0].num_neurons", issue.Field);
        Assert.Contains("above the limit of 65,536 units per layer", issue.Message);
    }

    [Fact]
    public void A_network_with_too_many_parameters_is_refused_before_reading_data_and_again_with_its_exact_inputs()
    {
        var issue = ParseFails(Req(Layers("60000"))); // 2 x 60,000 + 60,000 x 500 + ... ~ 30 million
        Assert.Equal("model_desc.layers", issue.Field);
        Assert.Contains("above the limit of 20,000,000", issue.Message);

        // Exact count once the inputs are known: 7 after one-hot (x0, x1, proto x 4, const) -> 7*16+16 + 16+1 = 145.
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(80, 1));
        var request = EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 1, splits: 0)); // 4 listed -> 97 at parse time
        var options = EngineTestData.SingleThread with { Limits = new EngineLimits { MaxNetworkParameters = 120 } };
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(request, t.Roots, options, null, CancellationToken.None));
        Assert.Equal("model_desc.layers", e.Issues.Single().Field);
        Assert.Contains("145 weights and biases, above the limit of 120", e.Message);
        Assert.Contains("7 inputs after one-hot", e.Message);
    }

    [Fact]
    public void Auto_without_model_desc_is_refused_before_reading_data_when_its_own_network_is_too_large_at_its_fewest_inputs()
    {
        // Ten categorical features are ten inputs at least: 10 x 128 + 128 + 128 x 64 + 64 + 64 + 1 = 9,729 weights and biases.
        var ten = string.Join(", ", Enumerable.Range(0, 10).Select(i => $"\"c{i}\""));
        string Auto(string categorical) => $$"""
            {"label": "a", "dataset": "d.csv", "predict_feature": "label", "model_kind": "auto", "features_to_process": [{{ten}}],
             "categorical_features": [{{categorical}}]}
            """;
        var limits = new EngineLimits { MaxNetworkParameters = 9_500 };
        var issue = ParseFails(Auto(ten), limits);
        Assert.Equal("model_desc.layers", issue.Field);
        Assert.Contains("\"auto\" trains its own 128-64-1 network, which has 9,729 weights and biases at its fewest inputs (10), " +
            "above the limit of 9,500", issue.Message);
        // Ten numeric features may be a single input once auto drops the constant ones: left to the engine's exact count.
        Assert.Null(AntiNexRequest.Parse(Auto(""), limits, out _).Layers);
    }

    [Fact]
    public void Auto_own_network_within_the_first_look_is_still_refused_at_its_exact_inputs()
    {
        // blobs.csv: x0, x1, proto (3 values: 4 inputs) and const (dropped: auto scales) make 6 inputs and 9,217 weights and
        // biases; at parse time only proto is sure to be an input (8,577).
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(120, 1));
        var limits = new EngineLimits { MaxNetworkParameters = 9_000 };
        var request = AntiNexRequest.Parse("""
            {"label": "a", "dataset": "blobs.csv", "ml_type": "classification", "predict_feature": "label", "model_kind": "auto",
             "features_to_process": ["x0", "x1", "proto", "const"], "categorical_features": ["proto"], "epochs": 1}
            """, limits, out _);
        var options = EngineTestData.SingleThread with { Limits = limits };
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(request, t.Roots, options, null, CancellationToken.None));
        Assert.Equal("model_desc.layers", e.Issues.Single().Field);
        Assert.Contains("9,217 weights and biases, above the limit of 9,000", e.Message);
        Assert.Contains("(6 inputs after one-hot)", e.Message);
    }

    [Fact]
    public void A_csv_with_100000_columns_is_refused_naming_the_dataset()
    {
        using var t = new EngineTestData.TempRoot();
        var header = string.Join(',', Enumerable.Range(0, 100_000).Select(i => $"c{i}")) + ",label\n";
        var row = string.Join(',', Enumerable.Repeat("1", 100_000)) + ",0\n";
        t.Write("wide.csv", header + row + row.Replace(",0\n", ",1\n"));
        var request = EngineTestData.Request(
            """{"label": "wide", "dataset": "wide.csv", "predict_feature": "label", "epochs": 1, "num_splits": 0}""");
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(request, t.Roots, EngineTestData.SingleThread, null,
            CancellationToken.None));
        Assert.Equal("dataset", e.Issues.Single().Field);
        Assert.Contains("100,001 columns, above the limit of 5,000", e.Message);
    }

    [Fact]
    public void A_csv_with_more_rows_than_the_limit_is_refused()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(60, 1));
        var request = EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 1, splits: 0));
        var options = EngineTestData.SingleThread with { Limits = new EngineLimits { MaxCsvRows = 50 } };
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(request, t.Roots, options, null, CancellationToken.None));
        Assert.Equal("dataset", e.Issues.Single().Field);
        Assert.Contains("more than 50 data rows", e.Message);
    }

    [Fact]
    public void Predict_rows_and_request_size_above_their_limits_are_refused()
    {
        var rows = """[{"x0": 1, "x1": 2}, {"x0": 1, "x1": 2}, {"x0": 1, "x1": 2}]""";
        var json = $$"""{"label": "p", "predict_feature": "label", "predict_rows": {{rows}}}""";
        var issue = ParseFails(json, new EngineLimits { MaxPredictRows = 2 });
        Assert.Equal("predict_rows", issue.Field);
        Assert.Contains("3 rows, above the limit of 2 rows per request", issue.Message);

        var big = Req($", \"notes\": \"{new string('x', 5000)}\"");
        var size = ParseFails(big, new EngineLimits { MaxRequestBytes = 4096 });
        Assert.Equal("request", size.Field);
        Assert.Contains("above the limit of 4,096 bytes", size.Message);
    }

    /// <summary>Lists of names and the columns of predict_rows are bounded by the widest file allowed: a request of
    /// 100,000 names per list, or rows of 100,000 columns, is refused at once instead of holding a CPU while every list is
    /// checked against the others.</summary>
    [Fact]
    public void Name_lists_and_predict_rows_wider_than_a_dataset_may_be_are_refused_at_once()
    {
        var limits = new EngineLimits { MaxCsvColumns = 1000 };
        var names = string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"\"c{i}\""));
        var lists = ParseFails($$"""{"label": "p", "dataset": "d.csv", "predict_feature": "y", "features_to_process": [{{names}}]}""", limits);
        Assert.Equal("features_to_process", lists.Field);
        Assert.Contains("100,000 names, above the limit of 1,000", lists.Message);

        var wide = "{" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $"\"c{i}\": 1")) + "}";
        var rows = ParseFails($$"""{"label": "p", "predict_feature": "y", "predict_rows": [{{wide}}]}""", limits);
        Assert.Equal("predict_rows", rows.Field);
        Assert.Contains("2,000 columns, above the limit of 1,000", rows.Message);

        // Within the limits, the column orientation of predict_rows (row keys per column) parses in linear time.
        var column = "{" + string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"\"{i}\": {i % 7}")) + "}";
        var request = AntiNexRequest.Parse($$$"""{"label": "p", "predict_feature": "y", "predict_rows": {"a": {{{column}}}, "y": {{{column}}}}}""",
            new EngineLimits(), out _);
        Assert.Equal(100_000, request.PredictRows!.Rows.Count);
    }

    [Fact]
    public void A_training_past_its_wall_time_is_cancelled_with_a_clear_message()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(400, 1));
        var request = EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 5000, splits: 0));
        var options = EngineTestData.SingleThread with { Limits = new EngineLimits { MaxTrainingTime = TimeSpan.FromMilliseconds(300) } };
        var e = Assert.Throws<TimeoutException>(() => TrainingEngine.Train(request, t.Roots, options, null, CancellationToken.None));
        Assert.StartsWith("cancelled: wall time limit", e.Message);
        using var caller = new CancellationTokenSource();
        caller.Cancel(); // the caller's own cancel stays a cancel
        Assert.ThrowsAny<OperationCanceledException>(() => TrainingEngine.Train(request, t.Roots, options, null, caller.Token));
    }

    [Theory]
    [InlineData("web[1]", "square brackets")]
    [InlineData("\u001b[31mred", "U+001B")]
    [InlineData("tab\there", "U+0009")]
    [InlineData("evil\u202Egnp.exe", "U+202E")]
    public void Labels_with_markup_or_control_characters_are_refused(string label, string named)
    {
        var issue = ParseFails(Req("").Replace("\"limits\"", System.Text.Json.JsonSerializer.Serialize(label)));
        Assert.Equal("label", issue.Field);
        Assert.Contains(named, issue.Message);
    }

    [Fact]
    public void A_10000_character_label_is_refused_and_not_echoed_back()
    {
        var label = new string('a', 10_000);
        var issue = ParseFails(Req("").Replace("limits", label));
        Assert.Equal("label", issue.Field);
        Assert.Contains("10,000 characters long, above the limit of 128", issue.Message);
        Assert.True(issue.Message.Length < 200);
        Assert.Equal("Full-Django-AntiNex-Simple-Scaler-DNN v2 (é)",
            AntiNexRequest.Parse(Req("").Replace("limits", "Full-Django-AntiNex-Simple-Scaler-DNN v2 (é)"), out _).Label);
    }

    [Fact]
    public void The_node_reads_its_limits_from_configuration_and_names_a_bad_key()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EngineLimits:MaxEpochs"] = "500", ["EngineLimits:MaxTrainingTime"] = "90s", ["EngineLimits:MaxNetworkParameters"] = "1e6",
        }).Build();
        var limits = EngineLimitsSettings.From(config.GetSection("EngineLimits"));
        Assert.Equal(500, limits.MaxEpochs);
        Assert.Equal(TimeSpan.FromSeconds(90), limits.MaxTrainingTime);
        Assert.Equal(1_000_000, limits.MaxNetworkParameters);
        Assert.Equal(new EngineLimits().MaxCsvColumns, limits.MaxCsvColumns);
        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["EngineLimits:MaxEpochs"] = "lots" }).Build();
        Assert.Contains("EngineLimits:MaxEpochs", Assert.Throws<ArgumentException>(() => EngineLimitsSettings.From(bad.GetSection("EngineLimits")))
            .Message);
    }
}
