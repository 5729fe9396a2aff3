using AntiNex.Data;
using AntiNex.Data.Synthetic;
using AntiNex.Learning;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// A training built from one feature matrix of the whole file (splits as row indexes; raw values released as the matrix
/// fills, or, for all-numeric features, the matrix written over the file's own row-major values) gives the very model,
/// report and predictions that separate per-split matrices give, for the same seed. The file spans several row chunks, so
/// the release, the chunked evaluation and the chunked predictions are all exercised.
/// </summary>
public sealed class DatasetMatrixTrainingTests
{
    private const int Rows = 2 * NumericColumn.ChunkRows + 1_234;

    private static string Request(string extra, bool categorical = true) => $$"""
        {"label": "big", "dataset": "traffic.csv", "predict_feature": "{{TrafficSchema.LabelColumn}}",
         "features_to_process": [{{string.Join(", ", TrafficSchema.Features.Select(f => $"\"{f}\""))}}],
         "categorical_features": [{{(categorical ? "\"ip_version\"" : "")}}], "apply_scaler": true, "epochs": 2, "batch_size": 512, "num_splits": 0,
         "test_size": 0.2, "seed": 11, "max_records": 300, "loss": "binary_crossentropy", "optimizer": "adam",
         "model_desc": {"layers": [{"num_neurons": 16, "init": "he_uniform", "activation": "relu", "dropout": 0.1},
                                   {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]}{{extra}}}
        """;

    [Theory]
    [InlineData("", true)]
    [InlineData(""", "validation_split": 0.1, "threshold": {"optimize": "f1"}""", true)]
    [InlineData(""", "validation_split": 0.1, "threshold": {"optimize": "f1"}""", false)] // the matrix overwrites the raw values
    [InlineData(""", "validation_split": 0.1, "novelty": {"normal_class": 0, "epochs": 1}""", false)] // the detector reads the test view
    public void One_matrix_with_index_splits_trains_the_same_model_as_per_split_copies(string extra, bool categorical)
    {
        using var t = new EngineTestData.TempRoot();
        SyntheticTraffic.WriteFile(Path.Combine(t.Path, "traffic.csv"), Rows, seed: 5);
        var request = EngineTestData.Request(Request(extra, categorical));
        var prepared = PreparedData.Load(request, t.Roots, loadTestFile: true, [], default);
        Assert.Equal(!categorical, prepared.Frame.RowMajor is not null); // which path the matrix training below takes
        var copies = TrainingEngine.Train(request, t.Roots, EngineTestData.SingleThread with { CopySplits = true }, null, default);
        var matrix = TrainingEngine.Train(request, t.Roots, EngineTestData.SingleThread, null, default);

        Assert.Equal(copies.Report.History, matrix.Report.History);
        Assert.Equal(copies.Report.Accuracy, matrix.Report.Accuracy);
        Assert.Equal(copies.Report.ConfusionMatrix, matrix.Report.ConfusionMatrix);
        Assert.Equal(copies.Report.Threshold, matrix.Report.Threshold);
        Assert.Equal(Rows, matrix.Predictions!.Rows);
        Assert.Equal(copies.Predictions!.Summary, matrix.Predictions.Summary);
        Assert.Equal(copies.Predictions.Samples, matrix.Predictions.Samples);
        Assert.Equal(WeightsOf(copies.Artifact), WeightsOf(matrix.Artifact));
        using var a = TrainedModel.Load(copies.Artifact);
        using var b = TrainedModel.Load(matrix.Artifact);
        var rows = Enumerable.Range(0, 200).Select(i => TrafficSchema.Features.Select((_, j) => (double)((i * 31 + j * 7) % 97)).ToArray())
            .ToList();
        Assert.Equal(a.PredictRaw(rows), b.PredictRaw(rows));
    }

    [Fact]
    public void Numeric_columns_keep_every_value_exactly_and_refuse_reads_of_released_rows()
    {
        double[] values = [0, -0.0, 1.5, -1, 16_777_217, 4_294_967_295, 0.1, 1e300, double.Epsilon];
        var source = Enumerable.Range(0, NumericColumn.ChunkRows + 10).Select(i => i < values.Length ? values[i] : i % 1000)
            .Concat(values).ToArray();
        var column = NumericColumn.From(source);
        Assert.Equal(source.Length, column.Count);
        for (int i = 0; i < source.Length; i++)
            Assert.Equal(BitConverter.DoubleToInt64Bits(source[i]), BitConverter.DoubleToInt64Bits(column[i]));
        column.ReleaseChunk(0);
        var e = Assert.Throws<InvalidOperationException>(() => column[3]);
        Assert.Contains("released", e.Message);
        Assert.Equal(source[^1], column[source.Length - 1]);
    }

    [Fact]
    public void A_column_of_small_counters_costs_four_bytes_a_row()
    {
        var column = NumericColumn.From(Enumerable.Range(0, 2 * NumericColumn.ChunkRows).Select(i => (double)(i % 65_535)).ToArray());
        Assert.Equal(2L * NumericColumn.ChunkRows * sizeof(float), column.Bytes);
    }

    [Fact]
    public void A_column_of_a_few_rows_costs_a_few_bytes_and_widens_exactly_after_growing()
    {
        // A predict request becomes a frame of a few rows: its columns must not cost a whole chunk each.
        var small = NumericColumn.From([1, 2, 3]);
        Assert.True(small.Bytes <= 64, $"{small.Bytes} bytes for 3 rows");
        var source = Enumerable.Range(0, 5000).Select(i => i == 1000 ? 0.1 : i).ToArray();
        var column = NumericColumn.From(source);
        for (int i = 0; i < source.Length; i++) Assert.Equal(source[i], column[i]);
    }

    // The artifact without header, created time and checksum: the weight tensors are its tail.
    private static byte[] WeightsOf(byte[] artifact)
    {
        int jsonLength = BitConverter.ToInt32(artifact, 14);
        return artifact[(14 + 4 + jsonLength)..^32];
    }
}
