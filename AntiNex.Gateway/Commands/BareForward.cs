// The baseline for inference figures: a plain TorchSharp network of the same shape scoring the same float32 batches,
// with what any server must do around the forward pass (batch into a tensor, outputs back into a float array) and
// nothing else: no scaler, no checks, no decoding.
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Gateway.Commands;

internal sealed class BareForward : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _net;
    private readonly int _features;

    /// <param name="hidden">Hidden layer widths (ReLU); the output layer has <paramref name="outputs"/> units and a sigmoid.</param>
    public BareForward(int features, IReadOnlyList<int> hidden, int outputs = 1)
    {
        _features = features;
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        var width = features;
        for (int i = 0; i < hidden.Count; i++)
        {
            layers.Add(($"linear{i}", nn.Linear(width, hidden[i])));
            layers.Add(($"relu{i}", nn.ReLU()));
            width = hidden[i];
        }
        layers.Add(("out", nn.Linear(width, outputs)));
        layers.Add(("sigmoid", nn.Sigmoid()));
        _net = nn.Sequential(layers);
        _net.eval();
    }

    /// <summary>Scores one batch (row-major, <c>features</c> wide) into <paramref name="output"/>.</summary>
    public void Score(float[] batch, int rows, float[] output)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(batch.AsSpan(0, rows * _features).ToArray(), [rows, _features]);
        _net.forward(x).contiguous().data<float>().CopyTo(output, 0);
    }

    /// <summary>Rows/s scoring <paramref name="totalRows"/> rows in batches of <paramref name="batch"/>'s rows.</summary>
    public double RowsPerSecond(float[] batch, int rows, long totalRows)
    {
        var output = new float[rows * 4];
        Score(batch, rows, output); // warm-up
        var clock = Stopwatch.StartNew();
        long done = 0;
        while (done < totalRows) { Score(batch, rows, output); done += rows; }
        return done / clock.Elapsed.TotalSeconds;
    }

    public void Dispose() => _net.Dispose();
}
