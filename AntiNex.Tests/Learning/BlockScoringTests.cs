using AntiNex.Learning;
using AntiNex.Tests.Data;
using TorchSharp;

namespace AntiNex.Tests.Learning;

/// <summary>
/// The block path of plain numeric models (<see cref="TrainedModel.PredictRows"/>): scaling as tensor operations over the
/// whole block and decoding straight from the outputs must answer exactly what the per-value path answers, including
/// the rows it hands back to that path (values near or beyond the clip bound, NaN, infinities).
/// </summary>
public class BlockScoringTests : IClassFixture<BlockScoringTests.Models>
{
    public sealed class Models : IDisposable
    {
        public EngineTestData.TempRoot Root { get; } = new();
        public Dictionary<string, byte[]> Artifacts { get; } = [];

        public Models()
        {
            Root.Write("blobs.csv", EngineTestData.BinaryCsv(240, 11));
            Root.Write("sectors.csv", EngineTestData.MultiClassCsv(240, 3));
            Root.Write("reg.csv", EngineTestData.RegressionCsv(200, 5));
            const string layers = """
                "model_desc": {"layers": [{"num_neurons": 12, "init": "he_uniform", "activation": "relu"},
                                          {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]}
                """;
            string Binary(string label, string scaling, string features = "\"x0\", \"x1\", \"const\"") => $$"""
                {"label": "{{label}}", "dataset": "blobs.csv", "predict_feature": "label", "features_to_process": [{{features}}],
                 {{scaling}} "epochs": 3, "batch_size": 16, "num_splits": 0, "seed": 2, "loss": "binary_crossentropy", {{layers}}}
                """;
            Train("minmax", Binary("MinMax", "\"apply_scaler\": true, \"min_scaler_range\": -1, \"max_scaler_range\": 1,"));
            Train("unscaled", Binary("Unscaled", ""));
            // A given scaler drops constant columns (not a network input): the standard model takes x0 and x1 only.
            Train("standard", Binary("Standard", "\"scaler\": \"standard\",", "\"x0\", \"x1\""));
            Train("categorical", EngineTestData.BinaryRequest(epochs: 2, splits: 0));
            Train("multiclass", """
                {"label": "Sectors", "dataset": "sectors.csv", "predict_feature": "kind", "features_to_process": ["x0", "x1"],
                 "target_rules": {"map": {"normal": 0, "scan": 1, "flood": 2}},
                 "label_rules": {"labels": ["normal", "scan", "flood"], "label_values": [0, 1, 2]},
                 "apply_scaler": true, "epochs": 3, "batch_size": 16, "num_splits": 0, "seed": 1, "loss": "categorical_crossentropy",
                 "model_desc": {"layers": [{"num_neurons": 12, "init": "he_uniform", "activation": "relu"},
                                           {"num_neurons": 3, "init": "glorot_uniform", "activation": "softmax"}]}}
                """);
            Train("regression", """
                {"label": "Reg", "dataset": "reg.csv", "ml_type": "regression", "predict_feature": "y", "features_to_process": ["a", "b"],
                 "apply_scaler": true, "epochs": 3, "num_splits": 0, "loss": "mse", "seed": 4,
                 "model_desc": {"layers": [{"num_neurons": 8, "init": "normal", "activation": "relu"},
                                           {"num_neurons": 1, "init": "normal", "activation": "linear"}]}}
                """);
        }

        private void Train(string name, string json) => Artifacts[name] = TrainingEngine.Train(EngineTestData.Request(json), Root.Roots,
            EngineTestData.SingleThread, null, CancellationToken.None).Artifact;

        public void Dispose() => Root.Dispose();
    }

    private readonly Models _m;
    public BlockScoringTests(Models m) => _m = m;

    /// <summary>Rows across the training range and beyond it, a few with values the clip rule must catch.</summary>
    private static float[] Block(int rows, int columns, int seed)
    {
        var rng = new Random(seed);
        var block = new float[rows * columns];
        for (int k = 0; k < block.Length; k++) block[k] = (float)(rng.NextDouble() * 30 - 15);
        float[] odd = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 3e38f, -3e38f, 1e6f, -1e6f];
        for (int i = 0; i < odd.Length; i++) block[(7 + i * 11) * columns + i % columns] = odd[i];
        return block;
    }

    private static List<double[]> Rows(float[] block, int columns)
        => Enumerable.Range(0, block.Length / columns).Select(r => block.AsSpan(r * columns, columns).ToArray().Select(v => (double)v).ToArray())
            .ToList();

    [Theory]
    [InlineData("minmax", true)]
    [InlineData("unscaled", true)]
    [InlineData("standard", true)]
    [InlineData("multiclass", true)]
    [InlineData("regression", true)]
    [InlineData("categorical", false)]
    public void Block_rows_predict_what_the_per_value_path_predicts(string model, bool blockPath)
    {
        using var trained = TrainedModel.Load(_m.Artifacts[model], EngineTestData.SingleThread);
        int columns = trained.Summary.InputFeatures.Count;
        Assert.Equal(blockPath, BlockScaling.TryCreate(trained.State.Pipeline) is not null);
        var block = Block(300, columns, seed: columns);
        var expected = trained.PredictRaw(Rows(block, columns));
        var fast = trained.PredictRows(block, 0, 300, columns);
        if (model == "regression")
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], fast[i], 1e-3 * Math.Max(1, Math.Abs(expected[i])));
        else Assert.Equal(expected, fast);
        Assert.All(fast, v => Assert.True(float.IsFinite(v)));

        // An offset into a larger buffer reads the same rows.
        var shifted = new float[block.Length + 5 * columns];
        block.CopyTo(shifted, 5 * columns);
        var again = trained.PredictRows(shifted, 5 * columns, 300, columns);
        Assert.Equal(fast, again);
    }

    [Fact]
    public void Rows_beyond_the_clip_bound_are_alarms_on_the_block_path_too()
    {
        using var trained = TrainedModel.Load(_m.Artifacts["minmax"], EngineTestData.SingleThread);
        float[] block = [0.5f, 0.5f, 7, 1e30f, 0.5f, 7, 0.5f, float.NaN, 7, -1.5f, -1.5f, 7];
        var answers = trained.PredictRows(block, 0, 4, 3);
        Assert.Equal([1f, 1f], answers.AsSpan(1, 2).ToArray()); // the alarm class, never normal
        Assert.Equal(trained.PredictRaw(Rows(block, 3)), answers);
    }

    [Theory]
    [InlineData("minmax")]
    [InlineData("unscaled")]
    [InlineData("standard")]
    [InlineData("regression")]
    public void Scaling_as_tensor_operations_equals_the_per_value_scaling(string model)
    {
        using var trained = TrainedModel.Load(_m.Artifacts[model], EngineTestData.SingleThread);
        var pipeline = trained.State.Pipeline;
        using var scaling = BlockScaling.TryCreate(pipeline)!;
        int columns = pipeline.Features.Count;
        var rng = new Random(9);
        // Values across each column's training range (the range check lets them all through).
        var block = Enumerable.Range(0, 500 * columns).Select(k => pipeline.Features[k % columns])
            .Select(f => (float)(f.Min + rng.NextDouble() * (f.Max - f.Min))).ToArray();
        var expected = pipeline.TransformRaw(Rows(block, columns));
        using var raw = torch.tensor(block, [500, columns]);
        using var scaled = scaling.Apply(raw);
        var actual = scaled.data<float>().ToArray();
        for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], actual[k], 1e-5 * Math.Max(1, Math.Abs(expected[k])));
        for (int r = 0; r < 500; r++) Assert.True(scaling.InRange(block.AsSpan(r * columns, columns)));
    }

    [Fact]
    public void A_column_far_from_zero_with_a_narrow_range_keeps_the_per_value_path_and_its_answers()
    {
        // A timestamp within a day: float32 cannot hold its centre to the second, so the block path would scale it visibly
        // off; the model keeps the per-value path, and both entry points answer the same.
        using var root = new EngineTestData.TempRoot();
        var rng = new Random(3);
        root.Write("ts.csv", "ts,x,label\n" + string.Concat(Enumerable.Range(0, 200).Select(i =>
        {
            var ts = 1_600_000_037 + rng.Next(0, 86_400);
            return $"{ts},{rng.NextDouble():F3},{(ts > 1_600_043_237 ? 1 : 0)}\n";
        })));
        var artifact = TrainingEngine.Train(EngineTestData.Request("""
            {"label": "Ts", "dataset": "ts.csv", "predict_feature": "label", "features_to_process": ["ts", "x"],
             "apply_scaler": true, "min_scaler_range": -1, "max_scaler_range": 1, "epochs": 3, "num_splits": 0, "seed": 2}
            """), root.Roots, EngineTestData.SingleThread, null, CancellationToken.None).Artifact;
        using var model = TrainedModel.Load(artifact, EngineTestData.SingleThread);
        Assert.Null(BlockScaling.TryCreate(model.State.Pipeline));
        var block = Enumerable.Range(0, 100).SelectMany(i => new[] { 1_600_000_037f + 864 * i, 0.5f }).ToArray();
        Assert.Equal(model.PredictRaw(Rows(block, 2)), model.PredictRows(block, 0, 100, 2));
    }
}
