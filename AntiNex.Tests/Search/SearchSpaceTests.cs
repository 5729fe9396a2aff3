using System.Text.Json.Nodes;
using AntiNex.Gateway.Commands;
using AntiNex.Requests;
using AntiNex.Search;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Search;

/// <summary>Space files (good and bad), deterministic trial planning and trial requests derived from a base request.</summary>
public class SearchSpaceTests
{
    private const string Space = """
        { "widths": [16, 64], "depths": [1, 2], "learning_rate": [0.001, 0.01], "dropout": [0, 0.2],
          "batch_size": [16, 32], "scaler": ["minmax", "Robust"], "class_weights": ["none", "balanced"], "epochs": [3] }
        """;

    [Fact]
    public void A_space_file_is_parsed_with_widths_and_depths_expanded_into_funnels()
    {
        var s = SearchSpace.Parse(Space);
        Assert.Equal(["16", "64", "16x8", "64x32"], s.HiddenLayers!.Select(h => string.Join("x", h)));
        Assert.Equal([0.001, 0.01], s.LearningRate);
        Assert.Equal(["minmax", "robust"], s.Scaler);
        Assert.Equal(4L * 2 * 2 * 2 * 2 * 2 * 1, s.Size);
        var explicitLayers = SearchSpace.Parse("""{"hidden_layers": [[128, 64], [32]]}""");
        Assert.Equal(["128x64", "32"], explicitLayers.HiddenLayers!.Select(h => string.Join("x", h)));
        Assert.Null(explicitLayers.LearningRate); // absent: the base request's value is kept
        Assert.True(SearchSpace.Default.Size > 100);
        Assert.Equal(SearchSpace.Default.Size, SearchSpace.Parse(SearchSpace.Default.ToJson()).Size);
    }

    [Theory]
    [InlineData("""{"learning_rate": []}""", "space.learning_rate", "must be a non-empty list of numbers > 0")]
    [InlineData("""{"learning_rate": [0.01, -1]}""", "space.learning_rate", "must be a non-empty list of numbers > 0")]
    [InlineData("""{"learning_rate": 0.01}""", "space.learning_rate", "non-empty list")]
    [InlineData("""{"dropout": [0.5, 1.0]}""", "space.dropout", "[0, 1)")]
    [InlineData("""{"batch_size": [32, 0.5]}""", "space.batch_size", "integers from 1 to 1,000,000")]
    [InlineData("""{"scaler": ["minmax", "zscore"]}""", "space.scaler", "\"robust\"")]
    [InlineData("""{"class_weights": ["sometimes"]}""", "space.class_weights", "\"balanced\"")]
    [InlineData("""{"hidden_layers": [[64], []]}""", "space.hidden_layers", "non-empty list of architectures")]
    [InlineData("""{"hidden_layers": [[64]], "widths": [8]}""", "space.hidden_layers", "not both")]
    [InlineData("""{"depths": [2]}""", "space.widths", "missing")]
    [InlineData("""{"learning_rates": [0.1]}""", "space.learning_rates", "unknown field")]
    [InlineData("""{}""", "space", "is empty")]
    [InlineData("""[1, 2]""", "space", "JSON object")]
    [InlineData("""{"learning_rate": [0.1""", "space", "not valid JSON")]
    public void Bad_space_files_name_the_field_and_the_problem(string json, string field, string message)
    {
        var e = Assert.Throws<RequestException>(() => SearchSpace.Parse(json));
        Assert.Contains(e.Issues, i => i.Field == field && i.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_of_a_space_file_is_reported_at_once()
    {
        var e = Assert.Throws<RequestException>(() => SearchSpace.Parse("""{"learning_rate": [0], "batch_size": [-1], "epochs": ["x"]}"""));
        Assert.Equal(["space.batch_size", "space.epochs", "space.learning_rate"], e.Issues.Select(i => i.Field).Order());
    }

    [Fact]
    public void Random_trials_are_distinct_and_the_same_for_the_same_seed()
    {
        var s = SearchSpace.Parse(Space);
        var a = TrialPlanner.Plan(s, "random", 20, 7).Select(t => t.Describe()).ToList();
        var b = TrialPlanner.Plan(s, "random", 20, 7).Select(t => t.Describe()).ToList();
        var c = TrialPlanner.Plan(s, "random", 20, 8).Select(t => t.Describe()).ToList();
        Assert.Equal(20, a.Count);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(a.Count, a.Distinct().Count());
        // A space smaller than the trial count: every point once, no endless redraw.
        var tiny = SearchSpace.Parse("""{"learning_rate": [0.1, 0.01], "batch_size": [8]}""");
        Assert.Equal(2, TrialPlanner.Plan(tiny, "random", 10, 1).Count);
    }

    [Fact]
    public void Grid_enumerates_every_combination_in_a_fixed_order()
    {
        var s = SearchSpace.Parse("""{"learning_rate": [0.1, 0.01], "batch_size": [8, 16, 32]}""");
        var grid = TrialPlanner.Plan(s, "grid", 100, 1).Select(t => t.Describe()).ToList();
        Assert.Equal(6, grid.Count);
        Assert.Equal("lr=0.1 bs=8", grid[0]);
        Assert.Equal("lr=0.1 bs=16", grid[1]);
        Assert.Equal("lr=0.01 bs=32", grid[5]);
        Assert.Equal(grid.Take(4), TrialPlanner.Plan(s, "grid", 4, 99).Select(t => t.Describe()));
        var e = Assert.Throws<RequestException>(() => TrialPlanner.Plan(s, "annealing", 4, 1));
        Assert.Equal("--strategy", e.Issues[0].Field);
    }

    [Fact]
    public void A_trial_request_is_the_base_request_with_the_trial_values_and_parses()
    {
        var baseJson = EngineTestData.BinaryRequest(extra: ", \"class_weights\": \"balanced\", \"test_dataset\": \"test.csv\"");
        var trial = new TrialConfig
        {
            Hidden = [32, 16], LearningRate = 0.003, Dropout = 0.2, BatchSize = 64, Scaler = "robust",
            ClassWeights = "none", Epochs = 2
        };
        var json = TrialPlanner.Apply(baseJson, trial, folds: 4);
        var r = EngineTestData.Request(json);
        Assert.Equal([32, 16, 1], r.Layers!.Select(l => l.Units));
        Assert.Equal(["relu", "relu", "sigmoid"], r.Layers!.Select(l => l.Activation));
        Assert.Equal([0.2, 0.2, 0], r.Layers!.Select(l => l.Dropout));
        Assert.Equal(0.003, r.LearningRate);
        Assert.Equal(64, r.BatchSize);
        Assert.Equal(2, r.Epochs);
        Assert.Equal(4, r.NumSplits);
        Assert.Equal("robust", r.Quality.Scaler);
        Assert.False(r.Quality.BalancedClassWeights);
        Assert.Equal("Blobs", r.Label);
        Assert.Equal("test.csv", r.TestDataset); // kept: the final model is evaluated on it; trials never open it
        // The best configuration for `train`: same values, the base request's own num_splits.
        Assert.Equal(2, EngineTestData.Request(TrialPlanner.Apply(baseJson, trial, folds: null)).NumSplits);
        // Only the dropout varied: the base architecture stays.
        var dropOnly = EngineTestData.Request(TrialPlanner.Apply(baseJson, new TrialConfig { Dropout = 0.4 }, 3));
        Assert.Equal([16, 1], dropOnly.Layers!.Select(l => l.Units));
        Assert.Equal(0.4, dropOnly.Layers![0].Dropout);
        Assert.Equal("balanced", JsonNode.Parse(TrialPlanner.Apply(baseJson, new TrialConfig { BatchSize = 8 },
            3))!["class_weights"]!.GetValue<string>());
    }

    [Fact]
    public void Layer_widths_written_as_the_parser_accepts_them_carry_over_to_the_trials()
    {
        // 16.0, 1.6e1 and "16" are the same whole number to the request parser; a numeric layer_type reads as dense.
        foreach (var width in new[] { "16.0", "1.6e1", "\"16\"" })
        {
            var baseJson = EngineTestData.BinaryRequest().Replace("\"num_neurons\": 16", $"\"num_neurons\": {width}", StringComparison.Ordinal);
            Assert.Contains(width, baseJson, StringComparison.Ordinal);
            var trial = EngineTestData.Request(TrialPlanner.Apply(baseJson, new TrialConfig { Dropout = 0.1 }, 3));
            Assert.Equal([16, 1], trial.Layers!.Select(l => l.Units));
        }
        var numericType = EngineTestData.BinaryRequest().Replace("\"num_neurons\": 16", "\"layer_type\": 7, \"num_neurons\": 16",
            StringComparison.Ordinal);
        Assert.Equal([16, 1], EngineTestData.Request(TrialPlanner.Apply(numericType, new TrialConfig { Dropout = 0.1 }, 3)).Layers!
            .Select(l => l.Units));
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("fast_tree")]
    public void A_request_whose_model_is_not_a_network_cannot_be_searched(string kind)
    {
        var path = Path.Combine(Path.GetTempPath(), $"antinex-search-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, EngineTestData.BinaryRequest(extra: $", \"model_kind\": \"{kind}\""));
        try
        {
            var e = Assert.Throws<UsageException>(() => SearchPlan.Build(path, null, 2, 3, 1, "random"));
            Assert.Contains("model_kind", e.Message, StringComparison.Ordinal);
            Assert.Contains(kind, e.Message, StringComparison.Ordinal);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_base_request_without_layers_cannot_have_its_architecture_searched()
    {
        var e = Assert.Throws<RequestException>(() => TrialPlanner.Apply("""{"label": "x", "predict_feature": "y"}""",
            new TrialConfig { Hidden = [8] }, 3));
        Assert.Equal("model_desc.layers", e.Issues[0].Field);
    }

    [Fact]
    public void Ranking_is_by_cv_accuracy_descending_or_mse_ascending()
    {
        var results = new[]
        {
            new TrialResult(1, "a", "n1", 90, 1, [], 1), new TrialResult(2, "b", "n2", 95, 2, [], 1),
            new TrialResult(3, "c", "n1", 95, 0.5, [], 1), new TrialResult(4, "d", "n2", null, null, [], 0, "bad-request: x"),
        };
        Assert.Equal([3, 2, 1], Leaderboard.Rank(results, "classification").Select(r => r.Trial));
        Assert.Equal([1, 3, 2], Leaderboard.Rank(results, "regression").Select(r => r.Trial));
    }

    [Fact]
    public void A_trial_whose_score_is_not_a_number_never_ranks()
    {
        var results = new[] { new TrialResult(1, "a", "n1", double.NaN, 0, [], 1), new TrialResult(2, "b", "n1", 0.5, 0, [], 1) };
        Assert.Equal([2], Leaderboard.Rank(results, "regression").Select(r => r.Trial));
        Assert.Equal([2], Leaderboard.Rank(results, "classification").Select(r => r.Trial));
    }

    [Fact]
    public void Dropout_layers_of_the_base_request_carry_over_to_the_trials_layers()
    {
        var baseJson = """
            {"label": "x", "dataset": "blobs.csv", "predict_feature": "label", "ml_type": "classification",
             "model_desc": {"layers": [
               {"num_neurons": 16, "activation": "relu"}, {"layer_type": "dropout", "rate": 0.3},
               {"num_neurons": 1, "activation": "sigmoid"}]}}
            """;
        var layers = JsonNode.Parse(TrialPlanner.Apply(baseJson, new TrialConfig { Hidden = [32, 8] }, 3))!["model_desc"]!["layers"]!
            .AsArray();
        Assert.Equal([0.3, 0.3], layers.Take(2).Select(l => l!["dropout"]!.GetValue<double>()));
        Assert.Equal(3, layers.Count); // no batch norm the base did not have
    }

    [Fact]
    public void Widths_that_meet_at_the_four_unit_floor_make_one_architecture()
        => Assert.Single(SearchSpace.Architectures([2, 4], [1]));
}
