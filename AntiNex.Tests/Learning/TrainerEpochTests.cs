using AntiNex.Learning;
using AntiNex.Requests;
using TorchSharp;

namespace AntiNex.Tests.Learning;

public class TrainerEpochTests
{
    [Fact]
    public void A_batch_norm_epochs_skipped_last_row_is_not_counted_in_its_training_accuracy()
    {
        // 9 rows in batches of 4: the last batch is one row, which batch norm cannot train on. Every row is class 1, which
        // the network learns at once; the skipped row's logits were left at 0 (class 0) and counted as a miss.
        const int rows = 9, width = 3;
        var rng = new Random(4);
        var x = Enumerable.Range(0, rows * width).Select(_ => (float)rng.NextDouble()).ToArray();
        var train = new TensorData(x, rows, width, Enumerable.Repeat(1, rows).ToArray(), null);
        List<LayerSpec> layers = [new(4, "he_uniform", "relu") { BatchNorm = true }, new(1, "glorot_uniform", "sigmoid")];
        using var gen = new torch.Generator(3);
        using var net = new DenseNetwork(width, layers, gen);
        var s = new FitSettings(TaskKind.Binary, 30, 4, "binary_crossentropy", "adam", 0.05, 3);
        var fit = Trainer.Fit(new FitRequest(net, train, null, s, null, "fit"), default);
        Assert.Equal(1.0, fit.History[^1].Accuracy);
    }
}
