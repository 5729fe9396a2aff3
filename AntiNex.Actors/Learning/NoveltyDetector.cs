using AntiNex.Requests;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Learning;

/// <summary>
/// A profile of the NORMAL class: a small dense autoencoder trained on normal rows only; a row's score is its mean
/// squared reconstruction error. Rows unlike any normal row the profile saw reconstruct badly, so an attack kind the
/// classifier never saw can still be flagged as "not normal". The threshold is the (1 - max_fpr) quantile of the errors
/// on held-back normal rows (the validation split), so about max_fpr of normal traffic is flagged.
/// </summary>
public sealed class NoveltyDetector : IDisposable
{
    private readonly DenseNetwork _net;

    public int Width { get; }
    /// <summary>Hidden widths, e.g. [64, 16] gives width→64→16→64→width.</summary>
    public IReadOnlyList<int> Hidden { get; }
    /// <summary>Error above which a row is flagged (NaN until <see cref="SetThreshold"/>).</summary>
    public double Threshold { get; private set; } = double.NaN;

    private NoveltyDetector(int width, IReadOnlyList<int> hidden, Generator? init)
    {
        Width = width;
        Hidden = hidden.ToArray();
        _net = new DenseNetwork(width, Specs(width, hidden), init);
    }

    /// <summary>Encoder widths, then the mirrored decoder, relu inside, linear reconstruction out.</summary>
    internal static List<LayerSpec> Specs(int width, IReadOnlyList<int> hidden)
    {
        // The same widths the size limit counts (NetworkSize.Autoencoder): the last one is the reconstruction.
        var widths = NetworkSize.AutoencoderWidths(width, hidden).ToList();
        var specs = widths.SkipLast(1).Select(w => new LayerSpec(w, "he_uniform", "relu")).ToList();
        specs.Add(new LayerSpec(widths[^1], "glorot_uniform", "linear"));
        return specs;
    }

    /// <summary>Trains on <paramref name="rows"/> rows of <paramref name="x"/> (row-major, all normal): adam, MSE, seeded.</summary>
    public static NoveltyDetector Fit(float[] x, int rows, int width, IReadOnlyList<int> hidden, int epochs, int batchSize,
        double learningRate, long seed, CancellationToken ct = default)
    {
        if (rows < 2) throw new RequestException("novelty", $"needs 2+ normal fitting rows, found {rows}");
        using var gen = new Generator((ulong)seed + 104729);
        var d = new NoveltyDetector(width, hidden, gen);
        try
        {
            using var xt = torch.tensor(x.AsSpan(0, rows * width).ToArray(), [rows, width]);
            // torch's defaults; see KeptAliveAdam for why not optim.Adam
            using var opt = new KeptAliveAdam(d._net.parameters().ToList(), learningRate, 0.9, 0.999, 1e-8);
            d._net.train();
            for (int e = 0; e < epochs; e++)
            {
                using var perm = torch.randperm(rows, generator: gen);
                for (int start = 0; start < rows; start += batchSize)
                {
                    ct.ThrowIfCancellationRequested();
                    using var scope = torch.NewDisposeScope();
                    var idx = perm.narrow(0, start, Math.Min(batchSize, rows - start));
                    var xb = xt.index_select(0, idx);
                    opt.ZeroGrad();
                    var loss = nn.functional.mse_loss(d._net.Logits(xb, null), xb);
                    loss.backward();
                    opt.Step();
                }
            }
            d._net.eval();
            return d;
        }
        catch
        {
            d.Dispose(); // a cancelled fit frees its native weights now, not at a finalizer's leisure
            throw;
        }
    }

    /// <summary>Mean squared reconstruction error per row.</summary>
    public double[] Errors(float[] x, int rows)
    {
        var result = new double[rows];
        if (rows == 0) return result;
        using var _ = no_grad();
        const int chunk = 8192;
        for (int start = 0; start < rows; start += chunk)
        {
            using var scope = torch.NewDisposeScope();
            int len = Math.Min(chunk, rows - start);
            // Copied into torch-owned (aligned) memory: on a tensor over a managed array, whose alignment varies from
            // call to call, the CPU kernels rounded differently (measured: two calls on the same rows differed by 1e-8).
            var xb = torch.tensor(x.AsSpan(start * Width, len * Width).ToArray(), [len, Width]).clone();
            var recon = _net.Logits(xb, null).contiguous().data<float>().ToArray();
            // The error is summed here, in order and in double: torch's vectorised mean can round differently with the
            // buffer's memory alignment, and the threshold must not move between two identical trainings.
            for (int i = 0; i < len; i++)
            {
                double sum = 0;
                int o = (start + i) * Width, ro = i * Width;
                for (int j = 0; j < Width; j++) { double d = recon[ro + j] - (double)x[o + j]; sum += d * d; }
                result[start + i] = sum / Width;
            }
        }
        return result;
    }

    /// <summary>The (1 - maxFpr) quantile of the held-back normal rows' errors (upper order statistic: at most maxFpr
    /// of them lie above it).</summary>
    public static double QuantileThreshold(IReadOnlyList<double> normalErrors, double maxFpr)
    {
        if (normalErrors.Count == 0) throw new RequestException("novelty", "no validation rows of the normal class to set the threshold on");
        var sorted = normalErrors.Order().ToArray();
        int k = (int)Math.Ceiling((1 - maxFpr) * sorted.Length) - 1;
        return sorted[Math.Clamp(k, 0, sorted.Length - 1)];
    }

    public void SetThreshold(double threshold) => Threshold = threshold;

    public bool IsNovel(double error) => error > Threshold;

    internal List<(string Name, long[] Shape, float[] Data)> ExportWeights() => _net.ExportWeights();

    internal static NoveltyDetector Load(int width, IReadOnlyList<int> hidden, double threshold,
        IReadOnlyList<(string Name, long[] Shape, float[] Data)> weights)
    {
        var d = new NoveltyDetector(width, hidden, null) { Threshold = threshold };
        try
        {
            d._net.ImportWeights(weights);
            d._net.eval();
            return d;
        }
        catch
        {
            d.Dispose(); // weights that do not fit: its native modules go now
            throw;
        }
    }

    public void Dispose() => _net.Dispose();
}
