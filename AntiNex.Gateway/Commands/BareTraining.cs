// The baseline for training figures: a plain TorchSharp loop (shuffled index batches, Adam with the Keras defaults,
// BCE with logits) over tensors prepared once, with nothing of the engine around it.
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Gateway.Commands;

internal static class BareTraining
{
    /// <summary>Trains <paramref name="net"/> on <paramref name="x"/> [rows, width] and <paramref name="y"/> [rows, 1];
    /// returns the rows per second over all epochs.</summary>
    public static double RowsPerSecond(nn.Module<Tensor, Tensor> net, Tensor x, Tensor y, int epochs, int batch, ulong seed)
    {
        int rows = (int)x.shape[0];
        using var opt = optim.Adam(net.parameters(), 0.001, 0.9, 0.999, 1e-7);
        using var gen = new Generator(seed);
        net.train();
        var sw = Stopwatch.StartNew();
        for (int e = 0; e < epochs; e++)
        {
            using var perm = torch.randperm(rows, generator: gen);
            for (int start = 0; start < rows; start += batch)
            {
                using var scope = torch.NewDisposeScope();
                var idx = perm.narrow(0, start, Math.Min(batch, rows - start));
                opt.zero_grad();
                var loss = nn.functional.binary_cross_entropy_with_logits(net.forward(x.index_select(0, idx)), y.index_select(0, idx));
                loss.backward();
                opt.step();
            }
        }
        return (double)rows * epochs / sw.Elapsed.TotalSeconds;
    }
}
