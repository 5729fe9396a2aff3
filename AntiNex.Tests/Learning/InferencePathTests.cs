using System.Globalization;
using System.Text;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;
using TorchSharp;

namespace AntiNex.Tests.Learning;

/// <summary>
/// The scoring path's shortcuts must not change an answer: the network's in-place inference pass gives the training-side
/// forward pass's outputs bit for bit, and the vectorised range check of wide rows hands every row holding an odd value
/// (in any column, inside a vector or in the tail) to the per-value path.
/// </summary>
public class InferencePathTests
{
    [Theory]
    [InlineData("relu", "sigmoid", 1, 1)]
    [InlineData("tanh", "softmax", 3, 1)]
    [InlineData("relu", "linear", 1, 3)]
    [InlineData("leaky_relu", "sigmoid", 1, 2)]
    public void In_place_inference_gives_the_forward_outputs_bit_for_bit(string hidden, string output, int outputs, int members)
    {
        LayerSpec[] specs = [new(24, "he_uniform", hidden), new(16, "he_uniform", hidden), new(outputs, "glorot_uniform", output)];
        var generator = new torch.Generator(7);
        using var net = new DenseNetwork(9, specs, generator);
        net.AttachMembers(Enumerable.Range(0, members - 1).Select(_ => new DenseNetwork(9, specs, generator)).ToList());
        net.eval();
        using var _ = torch.no_grad();
        using var x = torch.rand([500, 9], generator: generator).mul_(4).sub_(2);
        using var expected = net.forward(x);
        using var actual = net.Infer(x);
        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
        Assert.Equal(new[] { 500L, outputs }, actual.shape);
    }

    [Fact]
    public void Wide_rows_with_an_odd_value_in_any_column_take_the_per_value_path()
    {
        const int columns = 19; // two vectors of 8 (or one of 16) and a tail on every x64 width
        using var root = new EngineTestData.TempRoot();
        var rng = new Random(5);
        var csv = new StringBuilder(string.Join(',', Enumerable.Range(0, columns).Select(j => $"f{j}")) + ",label\n");
        for (int i = 0; i < 300; i++)
        {
            var row = Enumerable.Range(0, columns).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            csv.Append(string.Join(',', row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))))
                .Append(row[0] + row[columns - 1] > 0 ? ",1\n" : ",0\n");
        }
        root.Write("wide.csv", csv.ToString());
        var features = string.Join(", ", Enumerable.Range(0, columns).Select(j => $"\"f{j}\""));
        var request = EngineTestData.Request($$"""
            {"label": "Wide", "dataset": "wide.csv", "predict_feature": "label",
             "features_to_process": [{{features}}],
             "apply_scaler": true, "epochs": 2, "batch_size": 32, "num_splits": 0, "seed": 2, "loss": "binary_crossentropy",
             "model_desc": {"layers": [{"num_neurons": 8, "init": "he_uniform", "activation": "relu"},
                                       {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]} }
            """);
        var artifact = TrainingEngine.Train(request, root.Roots, EngineTestData.SingleThread, null, CancellationToken.None).Artifact;
        using var trained = TrainedModel.Load(artifact, EngineTestData.SingleThread);
        Assert.NotNull(BlockScaling.TryCreate(trained.State.Pipeline));

        // Row 2j holds NaN in column j, row 2j+1 holds 1e30 in column j; the other rows stay inside the training range.
        int rows = 2 * columns + 10;
        var block = new float[rows * columns];
        for (int k = 0; k < block.Length; k++) block[k] = (float)(rng.NextDouble() * 1.6 - 0.8);
        for (int j = 0; j < columns; j++)
        {
            block[2 * j * columns + j] = float.NaN;
            block[(2 * j + 1) * columns + j] = 1e30f;
        }
        var answers = trained.PredictRows(block, 0, rows, columns);
        var perValue = trained.PredictRawFlagged(Enumerable.Range(0, rows)
            .Select(r => block.AsSpan(r * columns, columns).ToArray().Select(v => (double)v).ToArray()).ToList());
        Assert.Equal(perValue.Values, answers);
        for (int r = 0; r < 2 * columns; r++) Assert.True(perValue.Unscorable[r], $"row {r} must be flagged unscorable");
        Assert.All(answers.AsSpan(0, 2 * columns).ToArray(), v => Assert.Equal(1f, v)); // the alarm class
        Assert.DoesNotContain(true, perValue.Unscorable.AsSpan(2 * columns).ToArray());
    }
}
