using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Requests;
using TorchSharp;

namespace AntiNex.Tests.Learning;

/// <summary>
/// Validation and held-out test rows of a large training are index views over the file's feature matrix instead of gathered
/// copies. A view must be the very rows the copy held: the same values, and bit for bit the same evaluation losses, hits,
/// network outputs and fit, in the chunked path (more rows than one evaluation chunk) and the single-block one.
/// </summary>
public sealed class IndexedSplitTests
{
    private const int Width = 8;
    private static readonly List<LayerSpec> Layers = [new(16, "he_uniform", "relu"), new(1, "glorot_uniform", "sigmoid")];

    private static (TensorData View, TensorData Copy) Split(float[] matrix, int rows, int seed)
    {
        int stored = matrix.Length / Width;
        var order = Enumerable.Range(0, stored).ToArray();
        new Random(seed).Shuffle(order);
        var index = order.Take(rows).ToArray();
        var copy = new float[rows * Width];
        for (int i = 0; i < rows; i++) Array.Copy(matrix, index[i] * Width, copy, i * Width, Width);
        var classes = index.Select(i => matrix[i * Width] + matrix[i * Width + 1] > 0 ? 1 : 0).ToArray();
        return (new TensorData(matrix, rows, Width, classes, null) { Index = index }, new TensorData(copy, rows, Width, classes, null));
    }

    private static float[] Matrix(int rows)
    {
        var rng = new Random(3);
        return Enumerable.Range(0, rows * Width).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(2 * Trainer.EvaluateChunkRows + 777)] // chunked evaluation and forward passes, a partial last chunk
    [InlineData(1_000)]
    public void A_view_gives_the_rows_and_scores_of_the_gathered_copy(int rows)
    {
        var (view, copy) = Split(Matrix(rows + 5_000), rows, seed: 9);
        Assert.Equal(copy.X, view.Dense());
        var block = new float[10 * Width];
        view.CopyRows(rows - 10, 10, block);
        Assert.Equal(copy.X[^(10 * Width)..], block);

        using var gen = new torch.Generator(7);
        using var net = new DenseNetwork(Width, Layers, gen);
        var s = new FitSettings(TaskKind.Binary, 1, 256, "binary_crossentropy", "adam", null, 1);
        Assert.Equal(Trainer.Evaluate(net, copy, s), Trainer.Evaluate(net, view, s));
        Assert.Equal(Trainer.Forward(net, copy.X, rows, Width), Trainer.Forward(net, view));
    }

    [Fact]
    public void A_fit_on_views_is_the_fit_on_copies()
    {
        var matrix = Matrix(6_000);
        var (trainView, trainCopy) = Split(matrix, 3_000, seed: 1);
        var (valView, valCopy) = Split(matrix, 1_500, seed: 2);
        var s = new FitSettings(TaskKind.Binary, 2, 128, "binary_crossentropy", "adam", null, 5);
        (List<EpochHistory> History, float[] Weights) Fit(TensorData train, TensorData val)
        {
            using var gen = new torch.Generator(5);
            using var net = new DenseNetwork(Width, Layers, gen);
            var result = Trainer.Fit(new FitRequest(net, train, val, s, null, "fit"), default);
            return (result.History, net.ExportWeights().SelectMany(w => w.Data).ToArray());
        }
        var copies = Fit(trainCopy, valCopy);
        var views = Fit(trainView, valView);
        Assert.Equal(copies.History, views.History);
        Assert.Equal(copies.Weights, views.Weights);
    }
}
