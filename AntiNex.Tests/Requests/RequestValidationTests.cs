using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Requests;

/// <summary>Requests that used to train without an error and leave a useless, huge or wrong model: refused or warned when parsed.</summary>
public class RequestValidationTests
{
    private const string Minimal = """{"label": "m", "dataset": "d.csv", "predict_feature": "y"}""";

    private static string With(string fields) => Minimal.TrimEnd('}') + ", " + fields + "}";

    private static RequestIssue Refused(string json, string field)
    {
        var e = Assert.Throws<RequestException>(() => AntiNexRequest.Parse(json, out _));
        return Assert.Single(e.Issues, i => i.Field == field);
    }

    private static IReadOnlyList<string> Warnings(string json)
    {
        AntiNexRequest.Parse(json, out var warnings);
        return warnings;
    }

    private static string Layers(params string[] layers) => $$"""
        "model_desc": {"layers": [{{string.Join(", ", layers)}}]}
        """;

    private static string Dense(int units, string activation = "relu") =>
        $$"""{"num_neurons": {{units}}, "init": "uniform", "activation": "{{activation}}"}""";

    [Fact]
    public void A_novelty_autoencoder_above_the_network_limit_is_refused()
    {
        var issue = Refused(With("""
            "validation_split": 0.2, "novelty": {"normal_class": 0, "layers": [4096, 4096, 4096, 4096], "epochs": 1}
            """), "novelty.layers");
        Assert.Contains("novelty autoencoder has 100,", issue.Message);
        Assert.Contains("above the limit of 20,000,000", issue.Message);
        var deep = Refused(With("""
            "validation_split": 0.2, "novelty": {"normal_class": 0, "layers": [8, 8, 8, 8, 8, 8, 8, 8, 8]}
            """), "novelty.layers");
        Assert.Contains("9 encoder layers, above the limit of 8", deep.Message);
        AntiNexRequest.Parse(With("""
            "validation_split": 0.2, "novelty": {"normal_class": 0, "layers": [128, 64, 32, 16, 8, 4, 4, 2]}
            """), out _);
    }

    [Fact]
    public void Ensemble_seeds_times_the_network_count_against_the_network_limit()
    {
        var big = $$"""
            "features_to_process": ["a", "b"], {{Layers(Dense(1000), Dense(1000), Dense(1, "sigmoid"))}}
            """;
        AntiNexRequest.Parse(With(big), out _); // one network of ~1 million weights is fine
        var issue = Refused(With(big + """, "ensemble": {"seeds": 50}"""), "ensemble");
        Assert.Contains("50 ensemble seeds x the network make 50,", issue.Message);
    }

    [Fact]
    public void Ensemble_folds_times_the_network_count_against_the_network_limit()
    {
        var big = $$"""
            "features_to_process": ["a", "b"], "num_splits": 50, {{Layers(Dense(1000), Dense(1000), Dense(1, "sigmoid"))}}
            """;
        AntiNexRequest.Parse(With(big), out _); // one network of ~1 million weights is fine, and its 50 CV folds train one at a time
        var issue = Refused(With(big + """, "ensemble": {"folds": true}"""), "ensemble.folds"); // all 50 are held and served
        Assert.Contains("50 fold networks (ensemble.folds serves one per num_splits fold) x the network make 50,", issue.Message);
        Assert.Contains("above the limit of 20,000,000", issue.Message);
    }

    [Fact]
    public void The_exact_input_width_is_checked_for_the_fold_networks_before_the_first_fold_trains()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(120, 1));
        var options = EngineTestData.SingleThread with { Limits = new EngineLimits { MaxNetworkParameters = 500 } };
        // The network has 145 weights at 7 inputs after one-hot (97 at the 4 listed features); 4 fold networks hold 580.
        var folds = EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 1, splits: 4, extra: """, "ensemble": {"folds": true}"""));
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(folds, t.Roots, options, null, CancellationToken.None));
        Assert.Equal("ensemble.folds", Assert.Single(e.Issues).Field);
        Assert.Contains("4 fold networks (ensemble.folds serves one per num_splits fold) x the network make 580", e.Message);
        Assert.Contains("(7 inputs after one-hot)", e.Message);
    }

    [Fact]
    public void The_exact_input_width_is_checked_for_the_autoencoder_and_the_ensemble_before_fitting()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(120, 1));
        var options = EngineTestData.SingleThread with { Limits = new EngineLimits { MaxNetworkParameters = 500 } };
        // Parsed under the default limits; at 7 inputs after one-hot, 7-16-16-16-7 holds 128 + 272 + 272 + 119 = 791.
        var novelty = EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 1, splits: 0, extra:
            """, "validation_split": 0.2, "novelty": {"normal_class": 0, "layers": [16, 16], "epochs": 1}"""));
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(novelty, t.Roots, options, null, CancellationToken.None));
        Assert.Equal("novelty.layers", Assert.Single(e.Issues).Field);
        Assert.Contains("791 weights and biases, above the limit of 500", e.Message);
        Assert.Contains("(7 inputs after one-hot)", e.Message);

        // The network has 145 weights at 7 inputs; 4 seeds hold 580.
        var seeds = EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 1, splits: 0, extra: """, "ensemble": {"seeds": 4}"""));
        e = Assert.Throws<RequestException>(() => TrainingEngine.Train(seeds, t.Roots, options, null, CancellationToken.None));
        Assert.Equal("ensemble", Assert.Single(e.Issues).Field);
        Assert.Contains("4 ensemble seeds x the network make 580", e.Message);
    }

    [Fact]
    public void Batch_size_1_with_a_batch_norm_layer_is_refused()
    {
        var layers = Layers(Dense(8), """{"layer_type": "batch_norm"}""", Dense(1, "sigmoid"));
        var issue = Refused(With($$"""{{layers}}, "batch_size": 1"""), "batch_size");
        Assert.Contains("batch_norm", issue.Message);
        Assert.Equal(2, AntiNexRequest.Parse(With($$"""{{layers}}, "batch_size": 2"""), out _).BatchSize);
        Assert.Equal(1, AntiNexRequest.Parse(With($$"""{{Layers(Dense(8), Dense(1, "sigmoid"))}}, "batch_size": 1"""), out _).BatchSize);
    }

    [Fact]
    public void A_numeric_target_of_more_than_1000_values_is_refused_as_classes()
    {
        using var t = new EngineTestData.TempRoot();
        var sb = new System.Text.StringBuilder("x,y\n");
        for (int i = 0; i < 1200; i++) sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i % 7},{i * 0.25}\n");
        t.Write("reg.csv", sb.ToString());
        var request = EngineTestData.Request("""
            {"label": "Reg", "dataset": "reg.csv", "predict_feature": "y", "features_to_process": ["x"], "epochs": 1, "num_splits": 0}
            """);
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(request, t.Roots, EngineTestData.SingleThread, null,
            CancellationToken.None));
        var issue = Assert.Single(e.Issues);
        Assert.Equal("predict_feature", issue.Field);
        Assert.Contains("1,200 distinct numbers", issue.Message);
        Assert.Contains("ml_type \"regression\"", issue.Message);
    }

    [Fact]
    public void Early_stopping_on_val_acc_is_refused_for_a_regression()
    {
        const string stopping = """ "validation_split": 0.2, "early_stopping": {"monitor": "val_acc"} """;
        var issue = Refused(With(stopping + """, "ml_type": "regression" """), "early_stopping.monitor");
        Assert.Contains("regression has no accuracy", issue.Message);
        Assert.Equal("val_acc", AntiNexRequest.Parse(With(stopping), out _).Quality.EarlyStopping!.Monitor);
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("categorical_crossentropy")]
    [InlineData("binary_crossentropy")]
    public void A_1_unit_softmax_output_is_refused_whatever_the_loss(string loss)
        => Assert.Contains("constant", Refused(With($$"""{{Layers(Dense(4), Dense(1, "softmax"))}}, "loss": "{{loss}}" """),
            "model_desc.layers").Message);

    [Theory]
    [InlineData("\"weight_decay\": 1000", "0.001 x 1000")] // adam's default rate
    [InlineData("\"weight_decay\": 100, \"optimizer\": \"sgd\"", "0.01 x 100")] // sgd's default rate
    [InlineData("\"weight_decay\": 10, \"learning_rate\": 0.5", "0.5 x 10")]
    public void Learning_rate_times_weight_decay_of_1_or_more_is_refused(string fields, string product)
    {
        var issue = Refused(With(fields), "weight_decay");
        Assert.Contains("learning_rate x weight_decay must be below 1", issue.Message);
        Assert.Contains(product, issue.Message);
    }

    [Fact]
    public void Learning_rate_times_weight_decay_below_1_is_taken()
    {
        Assert.Equal(500, AntiNexRequest.Parse(With("\"weight_decay\": 500"), out _).Quality.WeightDecay);
        Assert.Equal(0.01, AntiNexRequest.Parse(With("\"weight_decay\": 0.01, \"learning_rate\": 10"), out _).Quality.WeightDecay);
        // An adaptive optimizer divides the L2 term by its running statistics: no sign flip to refuse.
        Assert.Equal(1000, AntiNexRequest.Parse(With("\"weight_decay\": 1000, \"optimizer\": \"rmsprop\""), out _).Quality.WeightDecay);
    }

    [Fact]
    public void Predict_rows_next_to_a_dataset_must_carry_the_listed_features()
    {
        const string features = """ "features_to_process": ["a", "b", "c"], "ignore_features": ["c"] """;
        var issue = Refused(With(features + """, "predict_rows": [{"a": 1, "y": 0}]"""), "predict_rows");
        Assert.Contains("lack the feature 'b' listed in features_to_process", issue.Message);
        // The target and an ignored feature may be absent.
        Assert.Single(AntiNexRequest.Parse(With(features + """, "predict_rows": [{"a": 1, "b": 2}]"""), out _).PredictRows!.Rows);
    }

    [Fact]
    public void Categorical_and_log_features_that_are_ignored_are_refused()
    {
        var e = Assert.Throws<RequestException>(() => AntiNexRequest.Parse(With("""
            "categorical_features": ["proto"], "log_features": ["a"], "ignore_features": ["proto", "a"]
            """), out _));
        Assert.Contains(e.Issues, i => i.Field == "categorical_features" && i.Message.Contains("'proto' is in ignore_features"));
        Assert.Contains(e.Issues, i => i.Field == "log_features" && i.Message.Contains("'a' is in ignore_features"));
    }

    [Fact]
    public void A_categorical_feature_missing_from_the_dataset_is_refused_once_the_header_is_read()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(60, 1));
        var request = EngineTestData.Request("""
            {"label": "Blobs", "dataset": "blobs.csv", "predict_feature": "label", "categorical_features": ["proto", "protocol"],
             "log_features": ["x9"], "epochs": 1, "num_splits": 0}
            """);
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(request, t.Roots, EngineTestData.SingleThread, null,
            CancellationToken.None));
        Assert.Equal(["categorical_features", "log_features"], e.Issues.Select(i => i.Field).ToArray());
        Assert.Contains("'protocol' is not among the features (the dataset has no such column)", e.Message);
        Assert.Contains("'x9' is not among the features", e.Message);
    }

    [Fact]
    public void Unknown_keys_inside_layers_stopping_schedules_and_label_rules_are_warned()
    {
        var warnings = Warnings(With("""
            "model_desc": {"layers": [{"num_neurons": 4, "init": "uniform", "activation": "relu", "droput": 0.5},
                                      {"num_neurons": 1, "init": "uniform", "activation": "sigmoid"}]},
            "validation_split": 0.2, "early_stopping": {"patiense": 9}, "lr_schedule": {"kind": "step", "gama": 0.1},
            "label_rules": {"labels": ["a", "b"], "label_values": [0, 1], "set_if_above": 0.5, "lables": []}
            """));
        Assert.Contains("model_desc.layers[0]: unknown key 'droput' ignored", warnings);
        Assert.Contains("early_stopping: unknown key 'patiense' ignored", warnings);
        Assert.Contains("lr_schedule: unknown key 'gama' ignored", warnings);
        Assert.Contains("label_rules: unknown key 'lables' ignored", warnings);
        Assert.DoesNotContain(warnings, w => w.Contains("set_if_above"));
        Assert.DoesNotContain(warnings, w => w.Contains("layers[1]"));
    }

    public static IEnumerable<object[]> TrainingRequestFiles()
        => Directory.GetFiles(Path.Combine(Repo.Root, "training"), "*.json").Select(Path.GetFileName).Order()
            .Where(f => f != "search-space.json") // a search space, not a request
            .Select(f => new object[] { f! });

    [Theory]
    [MemberData(nameof(TrainingRequestFiles))]
    public void Every_training_request_parses_without_an_unknown_key_warning(string file)
    {
        var warnings = Warnings(File.ReadAllText(Path.Combine(Repo.Root, "training", file)));
        Assert.DoesNotContain(warnings, w => w.Contains("unknown", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(EngineTestData.OriginalRequestFiles), MemberType = typeof(EngineTestData))]
    public void No_original_request_file_gets_an_unknown_key_warning_inside_an_object(string file)
    {
        var shared = EngineTestData.SharedOrSkip();
        var warnings = Warnings(File.ReadAllText(Path.Combine(shared, "antinex-requests", file)));
        Assert.DoesNotContain(warnings, w => w.Contains(": unknown key", StringComparison.Ordinal));
    }
}
