using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// Evasion by overflow: an extreme value in any feature must never turn a row into a "normal" answer with a
/// non-finite score. Inputs are clipped (finite scores); a row with a value far outside the training range (beyond the
/// clip bound) or a NaN is unscorable, answered as the alarm class with a flag; absurd training values are refused
/// naming column and row.
/// </summary>
public class OverflowEvasionTests : IClassFixture<OverflowEvasionTests.Models>
{
    public sealed class Models : IDisposable
    {
        public EngineTestData.TempRoot Root { get; } = new();
        public TrainingOutcome Binary { get; }
        public TrainingOutcome Regression { get; }
        public Models()
        {
            Root.Write("blobs.csv", EngineTestData.BinaryCsv(240, 11));
            Root.Write("reg.csv", EngineTestData.RegressionCsv(200, 5));
            Binary = TrainingEngine.Train(EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 4, splits: 0)), Root.Roots,
                EngineTestData.SingleThread, null, CancellationToken.None);
            Regression = TrainingEngine.Train(EngineTestData.Request("""
                {"label": "Reg", "dataset": "reg.csv", "ml_type": "regression", "predict_feature": "y", "features_to_process": ["a", "b"],
                 "apply_scaler": true, "epochs": 3, "num_splits": 0, "loss": "mse", "seed": 4,
                 "model_desc": {"layers": [{"num_neurons": 8, "init": "normal", "activation": "relu"},
                                           {"num_neurons": 1, "init": "normal", "activation": "linear"}]}}
                """), Root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        }
        public void Dispose() => Root.Dispose();
    }

    private static readonly double[] Extremes = [1e308, 1e300, -1e308, -1e300, double.NaN, double.PositiveInfinity, double.NegativeInfinity];
    private readonly Models _m;
    public OverflowEvasionTests(Models m) => _m = m;

    /// <summary>A benign row and an attack row of the blobs data (x0, x1, proto as a number, const).</summary>
    private static readonly double[][] BaseRows = [[-1.5, -1.5, 0, 7], [1.5, 1.5, 0, 7]];

    [Fact]
    public void Predict_raw_with_an_extreme_value_in_any_numeric_feature_answers_an_alarm()
    {
        using var model = TrainedModel.Load(_m.Binary.Artifact);
        var numeric = new[] { 0, 1, 3 }; // proto (2) is categorical: any number is its "other" slot
        for (int feature = 0; feature < 4; feature++)
            foreach (var extreme in Extremes)
            {
                var rows = BaseRows.Select(r => { var c = (double[])r.Clone(); c[feature] = extreme; return c; }).ToList();
                var answer = model.PredictRawFlagged(rows);
                Assert.All(answer.Values, v => Assert.True(float.IsFinite(v)));
                Assert.All(answer.Values, v => Assert.True(v is 0 or 1));
                for (int i = 0; i < rows.Count; i++)
                {
                    Assert.Equal(numeric.Contains(feature), answer.Unscorable[i]);
                    if (answer.Unscorable[i]) Assert.Equal(1f, answer.Values[i]); // the alarm class, never normal (it was NaN -> normal)
                }
                Assert.Equal(answer.Values, model.PredictRaw(rows));
            }
    }

    [Fact]
    public void Predict_rows_with_huge_values_are_alarms_never_normal_and_nan_text_is_refused_by_column()
    {
        using var model = TrainedModel.Load(_m.Binary.Artifact);
        foreach (var column in new[] { "x0", "x1", "const" })
            foreach (var extreme in new[] { "1e308", "1e300", "-1e308", "1.7976931348623157e308" })
            {
                var rows = """[{"x0": -1.5, "x1": -1.5, "proto": "tcp", "const": 7, "label": 0}, """ +
                    """{"x0": 1.5, "x1": 1.5, "proto": "udp", "const": 7, "label": 1}]""";
                var old = $"\"{column}\": {(column == "const" ? "7" : "-1.5")}";
                var at = rows.IndexOf(old, StringComparison.Ordinal); // the first (benign) row only
                rows = rows[..at] + $"\"{column}\": {extreme}" + rows[(at + old.Length)..];
                var result = model.Predict(Request(rows), _m.Root.Roots);
                Assert.Equal(2, result.Rows);
                var huge = result.Samples[0];
                Assert.Equal(1, result.UnscorableRows); // the row holding the value; the other is scored as usual
                Assert.True(huge.Unscorable);
                Assert.Equal(1, huge.Predicted);
                Assert.Equal("attack", huge.LabelName);
                Assert.Null(huge.Probability);
                Assert.Contains("unscorable=1", result.Summary);
                var other = result.Samples[1];
                Assert.False(other.Unscorable);
                Assert.True(other.Probability is >= 0 and <= 1, $"{column}={extreme}: probability {other.Probability}");
            }
        foreach (var text in new[] { "NaN", "Infinity", "-Infinity" })
        {
            var e = Assert.Throws<RequestException>(() => model.Predict(Request($$"""[{"x0": "{{text}}", "x1": 1, "proto": "tcp", "const": 7}]"""),
                _m.Root.Roots));
            Assert.Contains("'x0'", e.Message);
        }
    }

    [Fact]
    public void Regression_answers_are_finite_for_every_extreme_and_flagged()
    {
        using var model = TrainedModel.Load(_m.Regression.Artifact);
        for (int feature = 0; feature < 2; feature++)
            foreach (var extreme in Extremes)
            {
                var row = new double[] { 5, 5 };
                row[feature] = extreme;
                var answer = model.PredictRawFlagged([row]);
                Assert.True(float.IsFinite(answer.Values[0]), $"feature {feature} = {extreme}: {answer.Values[0]}");
                Assert.True(answer.Unscorable[0]);
                Assert.False(model.PredictRawFlagged([[5, 5]]).Unscorable[0]);
            }
    }

    [Fact]
    public void The_clip_bound_is_the_training_range_widened_by_clip_ranges()
    {
        using var model = TrainedModel.Load(_m.Binary.Artifact);
        var pipeline = model.State.Pipeline;
        var x0 = pipeline.Features.Single(f => f.Name == "x0");
        Assert.Equal(FeaturePipeline.DefaultClipRanges, pipeline.ClipRanges);
        Assert.Equal(1 + 10 * 2, pipeline.ScaleValue(x0, 1e308), 9); // minmax -1..1: the range is 2
        Assert.Equal(-1 - 10 * 2, pipeline.ScaleValue(x0, double.NegativeInfinity), 9);
        Assert.Equal(1, pipeline.ScaleValue(x0, x0.Max), 9); // inside the training range: unchanged
        Assert.True(double.IsNaN(pipeline.ScaleValue(x0, double.NaN)));
    }

    [Fact]
    public void A_model_stored_before_the_clip_rule_loads_with_the_default_rule()
    {
        using var model = TrainedModel.Load(_m.Binary.Artifact);
        var json = JsonNode.Parse(JsonSerializer.Serialize(model.State.Pipeline, ArtifactFormat.Json))!.AsObject();
        Assert.True(json.Remove("clip_ranges"));
        var old = JsonSerializer.Deserialize<FeaturePipeline>(json.ToJsonString(), ArtifactFormat.Json)!;
        Assert.Equal(FeaturePipeline.DefaultClipRanges, old.ClipRanges);
        var stored = ArtifactFormat.Write(model.State with { Pipeline = old }, ArtifactFormat.Read(_m.Binary.Artifact).Weights);
        using var reloaded = TrainedModel.Load(stored);
        Assert.All(reloaded.PredictRaw([[1e308, 1e308, 0, 7]]), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData("1e308")]
    [InlineData("-1e300")]
    [InlineData("2e15")]
    public void A_training_file_with_an_absurd_value_is_refused_naming_the_column_and_row_and_the_way_out(string value)
    {
        using var t = AbsurdValueFile(value);
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 1, splits: 0)),
            t.Roots, EngineTestData.SingleThread, null, CancellationToken.None));
        Assert.Equal("dataset", e.Issues.Single().Field);
        Assert.Contains("column 'x1' row 4", e.Message);
        Assert.Contains("beyond ±1e+15", e.Message);
        Assert.Contains("rescale the column, or name it in log_features", e.Message);
    }

    /// <summary>The hint holds: a column named in log_features is scaled after its log1p (3e38 gives about 89), so it trains.</summary>
    [Theory]
    [InlineData("1e30")]
    [InlineData("-3e38")]
    public void A_column_named_in_log_features_trains_with_an_absurd_value(string value)
    {
        using var t = AbsurdValueFile(value);
        var outcome = TrainingEngine.Train(LoggedX1(), t.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        Assert.True(outcome.Report.Accuracy is { } a && double.IsFinite(a));
        Assert.True(double.IsFinite(outcome.Report.History[^1].Loss), $"loss {outcome.Report.History[^1].Loss}");
    }

    /// <summary>A logged column's raw value must fit a float32: a bulk predict carries raw rows as float32, where 1e300
    /// would read as infinity (an unscorable row) though a predict sent at once scored it.</summary>
    [Theory]
    [InlineData("1e300")]
    [InlineData("-1.7976931348623157e308")]
    public void A_logged_column_with_a_value_beyond_float32_is_refused(string value)
    {
        using var t = AbsurdValueFile(value);
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(LoggedX1(), t.Roots, EngineTestData.SingleThread, null,
            CancellationToken.None));
        Assert.Contains("column 'x1' row 4", e.Message);
        Assert.Contains("beyond ±3.40282e+38, the largest value a logged column accepts", e.Message);
        Assert.EndsWith("; rescale the column", e.Message);
    }

    /// <summary>An absurd target is not told to go in log_features, which refuses the predict_feature.</summary>
    [Fact]
    public void An_absurd_regression_target_is_told_to_rescale_only()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("lin.csv", EngineTestData.RegressionCsv(40, 4) + "1,2,1e300\n");
        var request = EngineTestData.Request("""
            {"label": "Lin", "dataset": "lin.csv", "ml_type": "regression", "predict_feature": "y", "features_to_process": ["a", "b"],
             "epochs": 1, "num_splits": 0, "loss": "mse"}
            """);
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(request, t.Roots, EngineTestData.SingleThread, null,
            CancellationToken.None));
        Assert.Contains("column 'y'", e.Message);
        Assert.EndsWith("; rescale the column", e.Message);
    }

    private static AntiNexRequest LoggedX1() =>
        EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 1, splits: 0, extra: """, "log_features": ["x1"]"""));

    /// <summary>blobs.csv with <paramref name="value"/> in column x1 of data row 4 (0-based).</summary>
    private static EngineTestData.TempRoot AbsurdValueFile(string value)
    {
        var t = new EngineTestData.TempRoot();
        var csv = EngineTestData.BinaryCsv(60, 2).Split('\n').ToArray();
        var cells = csv[5].Split(',');
        cells[1] = value;
        csv[5] = string.Join(',', cells);
        t.Write("blobs.csv", string.Join('\n', csv));
        return t;
    }

    [Fact]
    public void Unscorable_rows_are_counted_by_the_predict_result_and_the_metric()
    {
        using var model = TrainedModel.Load(_m.Binary.Artifact);
        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "AntiNex" && instrument.Name == "antinex.predict.unscorable") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags) if (tag is { Key: "model", Value: "blobs" }) Interlocked.Add(ref counted, value); // the model key
        });
        listener.Start();
        var before = Interlocked.Read(ref counted);
        var answer = model.PredictRawFlagged([[double.NaN, 0, 0, 7], [1, 1, 0, 7], [0, double.NaN, 0, 7]]);
        Assert.Equal(2, answer.UnscorableCount);
        Assert.True(Interlocked.Read(ref counted) - before >= 2);
    }

    private static AntiNexRequest Request(string rows) => EngineTestData.Request($$"""
        {"label": "Blobs", "predict_feature": "label", "predict_rows": {{JsonSerializer.Serialize(rows)}}}
        """);
}
