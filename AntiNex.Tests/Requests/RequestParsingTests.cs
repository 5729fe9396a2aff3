using AntiNex.Data;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Requests;

public class RequestParsingTests
{
    private const string Minimal = """{"label": "m", "dataset": "d.csv", "predict_feature": "y"}""";

    private static AntiNexRequest Parse(string json) => AntiNexRequest.Parse(json, out _);

    private static RequestException Bad(string json) => Assert.Throws<RequestException>(() => AntiNexRequest.Parse(json, out _));

    private static string With(string fields) => Minimal.TrimEnd('}') + ", " + fields + "}";

    [SkippableTheory]
    [MemberData(nameof(EngineTestData.OriginalRequestFiles), MemberType = typeof(EngineTestData))]
    public void Every_original_request_file_parses_and_validates(string file)
    {
        var shared = EngineTestData.SharedOrSkip();
        var json = File.ReadAllText(Path.Combine(shared, "antinex-requests", file));
        var request = AntiNexRequest.Parse(json, out _);
        var roots = new DataRoots([Path.Combine(shared, "datasets", "antinex")]);
        // Validation does not read data: a dataset missing from the roots is a warning, a path escaping them an error.
        Assert.Empty(request.CheckPaths(roots, requireFiles: false));
        Assert.False(string.IsNullOrEmpty(request.PredictFeature));
        Assert.True(request.Dataset is not null || request.HasPredictRows);
    }

    [SkippableFact]
    public void Original_relative_datasets_resolve_by_file_name_under_the_data_root()
    {
        var shared = EngineTestData.SharedOrSkip();
        var request = AntiNexRequest.Parse(File.ReadAllText(Path.Combine(shared, "antinex-requests", "scaler-django-antinex-simple.json")), out _);
        var roots = new DataRoots([Path.Combine(shared, "datasets", "antinex")]);
        Assert.Empty(request.CheckPaths(roots, requireFiles: true));
        Assert.EndsWith("cleaned_attack_scans.csv", roots.Resolve(request.Dataset!));
    }

    [Fact]
    public void Defaults_are_the_originals()
    {
        var r = Parse(Minimal);
        Assert.Equal(5, r.Epochs);
        Assert.Equal(32, r.BatchSize);
        Assert.Equal(0.2, r.TestSize);
        Assert.Equal(2, r.NumSplits);
        Assert.Equal(9, r.Seed);
        Assert.Equal("adam", r.Optimizer);
        Assert.Equal("mse", r.Loss); // the original's default, even for classification
        Assert.Equal(-1, r.MinScalerRange);
        Assert.Equal(1, r.MaxScalerRange);
        Assert.False(r.ApplyScaler);
        Assert.Null(r.Layers); // default 8-6-1 network
        Assert.Equal("classification", r.MlType);
        Assert.Equal(["accuracy"], r.Metrics);
        Assert.Equal(100_000, r.MaxRecords);
        Assert.True(r.CsvHeader);
        Assert.Equal(-1, r.MarkEmpty);
    }

    [Fact]
    public void Label_defaults_to_no_label_set()
    {
        Assert.Equal("no-label-set", Parse("""{"dataset": "d.csv", "predict_feature": "y"}""").Label);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("\"true\"", true)]
    [InlineData("\"True\"", true)]
    [InlineData("false", false)]
    [InlineData("1", false)]
    [InlineData("\"1\"", false)]
    [InlineData("\"yes\"", false)]
    public void Apply_scaler_is_true_only_for_true_or_the_string_true(string value, bool expected)
        => Assert.Equal(expected, Parse(With($"\"apply_scaler\": {value}")).ApplyScaler);

    [Fact]
    public void Scaler_bounds_go_through_int_like_the_original()
    {
        var r = Parse(With("\"min_scaler_range\": 0.5, \"max_scaler_range\": \"2\""));
        Assert.Equal(0, r.MinScalerRange);
        Assert.Equal(2, r.MaxScalerRange);
        Assert.Contains(Bad(With("\"min_scaler_range\": \"0.5\"")).Issues, i => i.Field == "min_scaler_range");
    }

    [Fact]
    public void Manifest_fallback_applies_to_T_to_M_fields_and_top_level_wins()
    {
        var r = Parse("""
            {"dataset": "d.csv", "epochs": 3,
             "manifest": {"predict_feature": "y", "epochs": 9, "seed": 4, "ml_type": "regression", "apply_scaler": true}}
            """);
        Assert.Equal("y", r.PredictFeature);
        Assert.Equal(3, r.Epochs);      // top level wins
        Assert.Equal(4, r.Seed);        // from the manifest
        Assert.Equal("regression", r.MlType);
        Assert.False(r.ApplyScaler);    // apply_scaler is top-level only
    }

    [Fact]
    public void Manifest_csv_file_is_the_dataset_when_dataset_is_absent()
    {
        var r = Parse("""{"manifest": {"predict_feature": "y", "csv_file": "./tests/x.csv", "meta_file": "m.json"}}""");
        Assert.Equal("./tests/x.csv", r.Dataset);
        Assert.Equal("manifest.csv_file", r.DatasetField);
    }

    [Fact]
    public void Unknown_fields_are_ignored_with_a_warning()
    {
        var r = AntiNexRequest.Parse(With("\"flux_capacitor\": 88, \"model_json\": {}"), out var warnings);
        Assert.Equal("m", r.Label);
        Assert.Contains(warnings, w => w.Contains("flux_capacitor"));
        Assert.Contains(warnings, w => w.Contains("model_json"));
    }

    [Fact]
    public void Predict_rows_as_a_records_string_a_columns_string_or_a_plain_array()
    {
        var records = Parse("""{"predict_feature": "y", "predict_rows": "[{\"a\": 1, \"y\": 0}, {\"a\": 2, \"y\": 1}]"}""").PredictRows!;
        var columns = Parse("""{"predict_feature": "y", "predict_rows": "{\"a\": {\"0\": 1, \"1\": 2}, \"y\": {\"0\": 0, \"1\": 1}}"}""")
            .PredictRows!;
        var array = Parse("""{"predict_feature": "y", "predict_rows": [{"a": 1, "y": 0}, {"a": 2, "y": 1}]}""").PredictRows!;
        foreach (var rows in new[] { records, columns, array })
        {
            Assert.Equal(["a", "y"], rows.Columns);
            Assert.Equal(2, rows.Rows.Count);
            Assert.Equal(2.0, rows.Rows[1]["a"]);
        }
    }

    [Fact]
    public void Columns_orientation_sorts_a_numeric_index()
    {
        var rows = Parse("""{"predict_feature": "y", "predict_rows": "{\"a\": {\"10\": 3, \"2\": 1}}"}""").PredictRows!;
        Assert.Equal(1.0, rows.Rows[0]["a"]);
    }

    [Fact]
    public void Extensions_parse()
    {
        var r = Parse("""
            {"dataset": "kdd.txt", "test_dataset": "kdd-test.txt", "predict_feature": "class",
             "csv_header": false, "columns": ["a", "proto", "class"], "features_to_process": ["a", "proto"],
             "categorical_features": ["proto"], "log_features": ["a"],
             "target_rules": {"map": {"normal": 0}, "default": 1},
             "model_desc": {"layers": [{"num_neurons": 4, "init": "he_normal", "activation": "relu", "dropout": 0.25},
                                       {"layer_type": "dropout", "rate": 0.5},
                                       {"num_neurons": 1, "init": "uniform", "activation": "sigmoid"}]}}
            """);
        Assert.False(r.CsvHeader);
        Assert.Equal(["a", "proto", "class"], r.Columns);
        Assert.Equal(["proto"], r.CategoricalFeatures);
        Assert.Equal(["a"], r.LogFeatures);
        Assert.Equal("kdd-test.txt", r.TestDataset);
        Assert.True(r.TargetRules!.TryMap("normal", out var n) && n == 0);
        Assert.True(r.TargetRules!.TryMap("smurf", out var s) && s == 1);
        Assert.Equal(2, r.Layers!.Count);
        Assert.Equal(0.5, r.Layers[0].Dropout); // the original's dropout layer becomes the previous layer's dropout
        Assert.Equal("linear", Parse(With("""  "model_desc": {"layers": [{"num_neurons": 1, "init": "uniform", "activation": null}]} """))
            .Layers![0].Activation);
    }

    // ---------------- bad input: each names its field ----------------

    [Theory]
    [InlineData("{not json", "request")]
    [InlineData("[1, 2]", "request")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "test_size": 0}""", "test_size")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "test_size": 1}""", "test_size")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "test_size": 1.5}""", "test_size")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "epochs": 0}""", "epochs")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "epochs": -3}""", "epochs")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "batch_size": 0}""", "batch_size")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "loss": "hinge_of_doom"}""", "loss")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "optimizer": "adamw2"}""", "optimizer")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "model_desc": {"layers": []}}""", "model_desc.layers")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "model_desc": """ +
        """{"layers": [{"num_neurons": 1, "init": "uniform", "activation": "swishy"}]}}""", "model_desc.layers[0].activation")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "model_desc": """ +
        """{"layers": [{"num_neurons": 1, "init": "lucky", "activation": "relu"}]}}""", "model_desc.layers[0].init")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "model_desc": """ +
        """{"layers": [{"init": "uniform", "activation": "relu"}]}}""", "model_desc.layers[0].num_neurons")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "model_desc": """ +
        """{"layers": [{"layer_type": "dropout", "rate": 0.1}, """ + """{"num_neurons": 1, "init": "uniform", "activation": "relu"}]}}""",
        "model_desc.layers[0]")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "label_rules": {"labels": ["a"], "label_values": [0, 1]}}""",
        "label_rules")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "label_rules": {"labels": ["a", "b"], "label_values": [0, 1.5]}}""",
        "label_rules.label_values")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "label_rules": {"labels": ["a", "b"]}}""", "label_rules")]
    [InlineData("""{"label": "m", "dataset": "d.csv"}""", "predict_feature")]
    [InlineData("""{"label": "m", "predict_feature": "y"}""", "dataset")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "ml_type": "clustering"}""", "ml_type")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "predict_rows": "{broken"}""", "predict_rows")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "predict_rows": [1, 2]}""", "predict_rows")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "csv_header": false}""", "columns")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "target_rules": {"map": {"normal": "zero"}}}""",
        "target_rules.map.normal")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "num_splits": -1}""", "num_splits")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "min_scaler_range": 1, "max_scaler_range": 1}""", "min_scaler_range")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "features_to_process": ["a"], "categorical_features": ["b"]}""",
        "categorical_features")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "model_desc": """ +
        """{"layers": [{"num_neurons": 1, "init": "uniform", "activation": "relu", "dropout": 1.5}]}}""", "model_desc.layers[0].dropout")]
    public void Bad_input_names_the_field(string json, string field)
    {
        var e = Bad(json);
        Assert.Contains(e.Issues, i => i.Field == field);
    }

    [Theory]
    [InlineData("""{"label": "m", "predict_feature": "y", "predict_rows": "{broken"}""")]
    [InlineData("""{"label": "m", "predict_feature": "y", "predict_rows": [1, 2]}""")]
    public void Refused_predict_rows_are_not_also_reported_as_missing_data(string json)
    {
        var issue = Assert.Single(Bad(json).Issues);
        Assert.Equal("predict_rows", issue.Field);
    }

    [Fact]
    public void Unknown_names_list_the_allowed_ones()
    {
        Assert.Contains("allowed: binary_crossentropy, categorical_crossentropy, mse, mae", Bad(With("\"loss\": \"nope\"")).Message);
        Assert.Contains("adam, sgd, rmsprop, adagrad, adamax, nadam", Bad(With("\"optimizer\": \"nope\"")).Message);
        var act = Bad(With("""  "model_desc": {"layers": [{"num_neurons": 1, "init": "uniform", "activation": "nope"}]} """));
        Assert.Contains("relu, sigmoid, tanh, softmax, linear, elu, selu, softplus, leaky_relu", act.Message);
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once()
    {
        var e = Bad(With("\"epochs\": 0, \"test_size\": 2, \"loss\": \"x\""));
        Assert.Equal(["epochs", "loss", "test_size"], e.Issues.Select(i => i.Field).Order().ToArray());
    }
}
