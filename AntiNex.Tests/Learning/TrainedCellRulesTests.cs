using System.Globalization;
using System.Text;
using System.Text.Json;
using AntiNex.Data;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>A model keeps its training request's mark_empty and non_finite: a predict that leaves them out reads its rows
/// with the model's (the entity's reader, the gateway's bulk packer and its CSV stream alike), one that gives another value
/// keeps it and is warned; a model stored before they were kept reads as -1 and "error".</summary>
public sealed class TrainedCellRulesTests : IClassFixture<TrainedCellRulesTests.Trained>
{
    /// <summary>Trained with mark_empty 0 and non_finite "empty" on rows whose class turns between a = -1 and a = 0, some of
    /// the class-1 rows' a cells empty: an empty cell read as -1 instead of 0 changes the answer.</summary>
    public sealed class Trained : IDisposable
    {
        public EngineTestData.TempRoot Root { get; } = new();
        public TrainingOutcome Outcome { get; }
        /// <summary>Loaded from the artifact, as a node serves it after a reload.</summary>
        public TrainedModel Model { get; }

        public Trained()
        {
            Root.Write("cells.csv", Csv(400));
            var request = EngineTestData.Request("""
                {"label": "Cells", "dataset": "cells.csv", "ml_type": "classification", "predict_feature": "label",
                 "features_to_process": ["a", "b"], "apply_scaler": true, "seed": 3, "test_size": 0.2, "batch_size": 16,
                 "epochs": 40, "num_splits": 0, "loss": "binary_crossentropy", "optimizer": "adam", "learning_rate": 0.01,
                 "mark_empty": 0, "non_finite": "empty",
                 "model_desc": {"layers": [{"num_neurons": 8, "init": "glorot_uniform", "activation": "relu"},
                                           {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]}}
                """);
            Outcome = TrainingEngine.Train(request, Root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
            Model = TrainedModel.Load(Outcome.Artifact);
        }

        public void Dispose()
        {
            Model.Dispose();
            Root.Dispose();
        }
    }

    /// <summary>a in -4..3, class 1 from a = 0 up; every fifth row of a = 0 written empty; b is noise.</summary>
    internal static string Csv(int rows)
    {
        var rng = new Random(7);
        var sb = new StringBuilder("a,b,label\n");
        for (int i = 0; i < rows; i++)
        {
            int a = i % 8 - 4;
            var cell = a == 0 && i % 5 == 0 ? "" : a.ToString(CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"{cell},{rng.NextDouble():R},{(a >= 0 ? 1 : 0)}\n");
        }
        return sb.ToString();
    }

    /// <summary>Three empty cells (null, "", Infinity), then a = 0 and a = -1 written in.</summary>
    private const string Rows =
        """[{"a": null, "b": 0.5}, {"a": "", "b": 0.5}, {"a": "Infinity", "b": 0.5}, {"a": 0, "b": 0.5}, {"a": -1, "b": 0.5}]""";

    private readonly Trained _t;
    public TrainedCellRulesTests(Trained t) => _t = t;

    private PredictionResult Predict(string extra = "") => _t.Model.Predict(
        EngineTestData.Request($$"""{"label": "Cells", "predict_feature": "label", "predict_rows": {{Rows}}{{extra}}}"""), _t.Root.Roots);

    [Fact]
    public void A_predict_that_leaves_them_out_reads_its_cells_as_the_training_rows_were_read()
    {
        Assert.Equal(0, _t.Model.Summary.MarkEmpty);
        Assert.Equal("empty", _t.Model.Summary.NonFinite);
        var p = Predict();
        var (zero, minusOne) = (p.Samples[3], p.Samples[4]);
        Assert.True(zero.Predicted != minusOne.Predicted, $"the model answers a = 0 and a = -1 alike ({zero.Predicted}): nothing below would show");
        foreach (var empty in p.Samples.Take(3)) // null, "" and Infinity: empty cells, read as the model's 0
        {
            Assert.Equal(zero.Predicted, empty.Predicted);
            Assert.Equal(zero.Probability, empty.Probability);
        }
        // The "Infinity" cell read as empty is said, as a training says it of its rows and a predict of a dataset's; the rules
        // themselves, the model's own whether left out or given, are not.
        const string Infinity = "predict_rows: 1 NaN/Infinity cells read as empty (0, non_finite \"empty\"): 'a' 1";
        Assert.Equal([Infinity], p.Warnings!);
        Assert.Equal([Infinity], Predict(""", "mark_empty": 0, "non_finite": "empty" """).Warnings!);
    }

    [Fact]
    public void A_predict_that_gives_another_value_keeps_it_and_is_warned_naming_both()
    {
        var p = Predict(""", "mark_empty": -1""");
        Assert.Equal(p.Samples[4].Predicted, p.Samples[0].Predicted); // the request's -1, as the format lets it ask
        Assert.Equal(p.Samples[4].Probability, p.Samples[0].Probability);
        Assert.Equal(2, p.Warnings!.Count);
        Assert.StartsWith("mark_empty: the request's -1 is used, but the model was trained with mark_empty 0", p.Warnings[0]);
        Assert.Equal("predict_rows: 1 NaN/Infinity cells read as empty (-1, non_finite \"empty\"): 'a' 1", p.Warnings[1]); // the value used

        var strict = _t.Model.Predict(EngineTestData.Request(
            """{"predict_feature": "label", "non_finite": "error", "predict_rows": [{"a": 1, "b": 0.5}]}"""), _t.Root.Roots);
        Assert.StartsWith("non_finite: the request's \"error\" is used, but the model was trained with non_finite \"empty\"",
            Assert.Single(strict.Warnings!));
        var refused = Assert.Throws<RequestException>(() => Predict(""", "non_finite": "error" """));
        Assert.Contains("column 'a' row 2", refused.Message);
    }

    [Fact]
    public void The_gateways_bulk_rows_and_csv_stream_read_them_as_the_model_was_trained()
    {
        var summary = _t.Model.Summary;
        var expected = Predict().Samples.Select(s => (float)s.Predicted).ToArray();

        // predict_rows too large for one message: packed by the gateway with the rules the described model was trained with.
        using var request = JsonDocument.Parse($$"""{"label": "Cells", "predict_rows": {{Rows}}}""");
        var warnings = new List<string>();
        var packed = PredictRowsPacker.Pack(request.RootElement.GetProperty("predict_rows"), summary.InputFeatures, summary.PredictFeature,
            BulkJsonPredict.Cells(request.RootElement, summary, warnings));
        var bulk = _t.Model.PredictRows(packed.Values, 0, packed.Rows, packed.Columns);
        Assert.Equal(expected, bulk);
        Assert.Equal([bulk[3], bulk[3], bulk[3]], bulk[..3]); // the empty cells read as the model's 0, not as -1
        Assert.NotEqual(bulk[4], bulk[3]);
        Assert.Empty(warnings);
        Assert.Equal(new Dictionary<string, long> { ["a"] = 1 }, packed.NonFiniteRead); // said as the node says it (BulkJsonPredict)
        using var other = JsonDocument.Parse("""{"mark_empty": "-1", "non_finite": "empty"}""");
        Assert.Equal(new CellRules(-1, true), BulkJsonPredict.Cells(other.RootElement, summary, warnings));
        Assert.StartsWith("mark_empty: the request's -1 is used, but the model was trained with mark_empty 0", Assert.Single(warnings));

        // predict -f rows.csv --label Cells, without --non-finite: the model's mark_empty and non_finite.
        var csv = _t.Root.Write("rows.csv", "b,a\n0.5,\n0.5,\n0.5,Infinity\n0.5,0\n0.5,-1\n");
        warnings.Clear();
        var block = new float[5 * 2];
        using (var reader = new CsvRowReader(csv, summary.InputFeatures, CsvPredict.Cells(summary, null, warnings)))
        {
            Assert.Equal(5, reader.Read(block));
            Assert.Equal(["dataset: 1 NaN/Infinity cells read as empty (0, non_finite \"empty\"): 'a' 1"], reader.RowWarnings());
        }
        var streamed = _t.Model.PredictRows(block, 0, 5, 2);
        Assert.Equal(expected, streamed);
        Assert.Equal([streamed[3], streamed[3], streamed[3]], streamed[..3]);
        Assert.Empty(warnings);
        Assert.Equal(new CellRules(0, false), CsvPredict.Cells(summary, false, warnings)); // --non-finite error
        Assert.StartsWith("non_finite: the request's \"error\" is used, but the model was trained with non_finite \"empty\"",
            Assert.Single(warnings));
    }

    [Fact]
    public void A_predict_is_warned_of_rows_without_a_key_and_of_csv_rows_short_of_the_header()
    {
        var p = _t.Model.Predict(EngineTestData.Request(
            """{"label": "Cells", "predict_feature": "label", "predict_rows": [{"a": 0, "b": 0.5}, {"b": 0.5}, {"b": 0.5}]}"""), _t.Root.Roots);
        Assert.Equal([p.Samples[0].Predicted, p.Samples[0].Predicted], p.Samples.Skip(1).Select(s => s.Predicted)); // read as the model's 0
        Assert.Equal("predict_rows: 2 rows lack key 'a'; the missing cells were read as empty (mark_empty for a number); the first is row 1",
            Assert.Single(p.Warnings!));

        _t.Root.Write("short.csv", "b,a,label\n0.5,0,1\n0.5\n");
        var file = _t.Model.Predict(EngineTestData.Request(
            """{"label": "Cells", "predict_feature": "label", "dataset": "short.csv"}"""), _t.Root.Roots);
        Assert.Equal(file.Samples[0].Predicted, file.Samples[1].Predicted);
        Assert.Equal("dataset short.csv: 1 row has fewer fields than the header's 3; the missing cells were read as empty (mark_empty for " +
            "a number); the first is row 1 (line 3 of the file), with 1 field", Assert.Single(file.Warnings!));
        Assert.Equal(file.Warnings!, Streamed("short.csv", 2)); // predict -f short.csv says the same
    }

    [Fact]
    public void A_predicted_file_is_warned_of_its_encoding_and_of_its_nan_and_infinity_cells_as_a_training_file_is()
    {
        const string Head = "b,a,label,note\n0.5,Infinity,1,Web Attack ";
        File.WriteAllBytes(Path.Combine(_t.Root.Path, "cp1252.csv"),
            FileEncoding.Windows1252.GetBytes(Head + "\u2013 XSS\n0.5,NaN,1,x\n0.5,0,1,x\n0.5,,1,x\n"));
        var p = _t.Model.Predict(EngineTestData.Request(
            """{"label": "Cells", "predict_feature": "label", "dataset": "cp1252.csv"}"""), _t.Root.Roots);
        Assert.Equal(4, p.Samples.Count); // the rows are predicted, their NaN/Infinity cells read as the model's 0
        Assert.Equal([$"dataset: cp1252.csv is not UTF-8 (byte {Head.Length} is not); it was read as Windows-1252",
            "dataset: 2 NaN/Infinity cells read as empty (0, non_finite \"empty\"): 'a' 2"], p.Warnings!);
        Assert.Equal(p.Warnings!, Streamed("cp1252.csv", 4)); // predict -f cp1252.csv says the same
    }

    /// <summary>What predict -f FILE says of the file beyond the rules (CsvPredict): its encoding, then its rows.</summary>
    private List<string> Streamed(string file, int rows)
    {
        var summary = _t.Model.Summary;
        using var reader = new CsvRowReader(Path.Combine(_t.Root.Path, file), summary.InputFeatures, CsvPredict.Cells(summary, null, []));
        Assert.Equal(rows, reader.Read(new float[(rows + 1) * summary.InputFeatures.Count]));
        return [.. reader.EncodingWarning is { } encoding ? [encoding] : Array.Empty<string>(), .. reader.RowWarnings()];
    }

    [Fact]
    public void A_model_stored_before_the_rules_were_kept_reads_as_minus_one_and_error()
    {
        var folder = Path.Combine(EngineTestData.RepoRoot()!, "AntiNex.Tests", "Learning", "Fixtures");
        using var old = TrainedModel.Load(File.ReadAllBytes(Path.Combine(folder, "network-artifact-v2.anxm")));
        Assert.Equal(CellRules.Default, old.TrainedCells);
        Assert.Equal(-1, old.Summary.MarkEmpty);
        Assert.Equal("error", old.Summary.NonFinite);
        Assert.Equal(CellRules.Default, old.Summary.TrainedCells());
    }
}
