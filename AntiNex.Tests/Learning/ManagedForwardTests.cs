using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Tests.Learning;

/// <summary>
/// Forward passes of a few rows in managed code (<see cref="ManagedForward"/>, asked for by
/// <see cref="EngineOptions.SmallForwardsInManagedCode"/>) must give TorchSharp's outputs within float rounding: every
/// activation, batch norm with its running statistics, ensembles; and a loaded model must answer the same classes.
/// </summary>
public class ManagedForwardTests : IClassFixture<BlockScoringTests.Models>
{
    private static readonly EngineOptions Managed = EngineTestData.SingleThread with { SmallForwardsInManagedCode = true };
    private readonly BlockScoringTests.Models _m;
    public ManagedForwardTests(BlockScoringTests.Models m) => _m = m;

    [Theory]
    [InlineData("relu", "sigmoid", false, 1)]
    [InlineData("tanh", "softmax", true, 1)]
    [InlineData("elu", "linear", true, 3)]
    [InlineData("selu", "sigmoid", false, 2)]
    [InlineData("softplus", "linear", true, 1)]
    [InlineData("leaky_relu", "softmax", false, 3)]
    public void A_network_gives_torchs_outputs(string hidden, string output, bool batchNorm, int ensemble)
    {
        int outputs = output == "softmax" ? 4 : 1;
        List<LayerSpec> layers = [new(16, "he_uniform", hidden) { BatchNorm = batchNorm }, new(9, "glorot_uniform", hidden),
            new(outputs, "glorot_uniform", output) { BatchNorm = batchNorm }];
        using var gen = new Generator(7);
        using var net = new DenseNetwork(6, layers, gen);
        net.AttachMembers(Enumerable.Range(1, ensemble - 1).Select(_ => new DenseNetwork(6, layers, gen)).ToList());
        // Batch-norm statistics away from their start values, so the managed map is really exercised.
        var rng = new Random(3);
        net.ImportWeights(net.ExportWeights().Select(w => (w.Name, w.Shape,
            w.Name.EndsWith("running_var", StringComparison.Ordinal) ? w.Data.Select(_ => (float)(0.2 + rng.NextDouble() * 3)).ToArray()
            : w.Name.Contains("norms", StringComparison.Ordinal) ? w.Data.Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()
            : w.Data)).ToList());
        net.eval();
        var managed = ManagedForward.From(net);

        const int rows = 40;
        var x = Enumerable.Range(0, rows * 6).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
        var expected = Trainer.Forward(net, x, rows, 6);
        var actual = new float[rows * outputs];
        managed.Forward(x, rows, actual);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])),
                $"output {i}: torch {expected[i]}, managed {actual[i]}");
    }

    [Theory]
    [InlineData("minmax")]
    [InlineData("standard")]
    [InlineData("multiclass")]
    [InlineData("regression")]
    [InlineData("categorical")]
    public void A_loaded_model_answers_single_rows_as_torch_does(string model)
    {
        using var torchModel = TrainedModel.Load(_m.Artifacts[model], EngineTestData.SingleThread);
        using var managedModel = TrainedModel.Load(_m.Artifacts[model], Managed);
        int columns = torchModel.Summary.InputFeatures.Count;
        var rng = new Random(columns);
        var pipeline = torchModel.State.Pipeline;
        // Rows inside each column's training range (the block path), and a few far outside (the per-value path's alarms).
        for (int r = 0; r < 200; r++)
        {
            var row = Enumerable.Range(0, columns).Select(j => pipeline.Features[j])
                .Select(f => (float)(f.Min + (rng.NextDouble() * 1.2 - 0.1) * (f.Max - f.Min))).ToArray();
            if (r % 50 == 49) row[r % columns] = 1e9f;
            var expected = torchModel.PredictRows(row, 0, 1, columns);
            var actual = managedModel.PredictRows(row, 0, 1, columns);
            var raw = managedModel.PredictRawFlagged([row.Select(v => (double)v).ToArray()]);
            if (model == "regression")
            {
                Assert.Equal(expected[0], actual[0], 1e-4 * Math.Max(1, Math.Abs(expected[0])));
                Assert.Equal(expected[0], raw.Values[0], 1e-3 * Math.Max(1, Math.Abs(expected[0])));
            }
            else
            {
                Assert.Equal(expected[0], actual[0]);
                Assert.Equal(expected[0], raw.Values[0]);
            }
        }
    }
}
