using System.Numerics;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>
/// The forward pass of a loaded dense network (ensemble members included) in plain managed code, for a few rows: one
/// TorchSharp call costs microseconds of dispatch, allocation and locking, and a single-row forward makes a dozen of
/// them, while the arithmetic of a small network is a few hundred multiply-adds. Same layers, batch norm (running
/// statistics), activations and ensemble mean as <see cref="DenseNetwork.forward"/>; dot products are summed in double
/// (SIMD), so the outputs match TorchSharp's float32 ones within float rounding. Immutable: thread-safe without a lock.
/// </summary>
internal sealed class ManagedForward
{
    /// <summary>Multiply-adds a call may cost at most (rows x weights) before TorchSharp is the cheaper way.</summary>
    private const long MaxWork = 200_000;

    private readonly Network[] _members;
    private readonly int _inputs;
    private readonly long _weights;

    private ManagedForward(Network[] members, int inputs)
    {
        _members = members;
        _inputs = inputs;
        _weights = members.Sum(m => m.Layers.Sum(l => (long)l.Weight.Length));
        Outputs = members[0].Layers[^1].Units;
    }

    public int Outputs { get; }

    /// <summary>True when <paramref name="rows"/> rows are cheaper here than through TorchSharp.</summary>
    public bool Fits(int rows) => rows * _weights <= MaxWork;

    /// <summary>The network's parameters copied out once (weights and batch-norm statistics by their module names).</summary>
    public static ManagedForward From(DenseNetwork net)
    {
        var byName = net.ExportWeights().ToDictionary(w => w.Name, w => w.Data);
        var members = new Network[net.EnsembleSize];
        for (int m = 0; m < members.Length; m++)
            members[m] = Network.From(net.Specs, m == 0 ? "" : $"members.{m - 1}.", byName);
        return new ManagedForward(members, net.Inputs);
    }

    /// <summary>Outputs of <paramref name="rows"/> network-input rows starting at <paramref name="offset"/> (row-major,
    /// <see cref="DenseNetwork.Inputs"/> values a row), written row-major to <paramref name="outputs"/>.</summary>
    public void Forward(ReadOnlySpan<float> x, int rows, Span<float> outputs)
    {
        int width = Outputs;
        int widest = _members[0].Layers.Max(l => l.Units);
        Span<float> a = widest <= 512 ? stackalloc float[widest] : new float[widest];
        Span<float> b = widest <= 512 ? stackalloc float[widest] : new float[widest];
        Span<double> sum = width <= 256 ? stackalloc double[width] : new double[width];
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * _inputs, _inputs);
            sum.Clear();
            foreach (var member in _members)
            {
                var result = member.Run(row, a, b);
                for (int j = 0; j < width; j++) sum[j] += result[j];
            }
            for (int j = 0; j < width; j++) outputs[r * width + j] = (float)(sum[j] / _members.Length);
        }
    }

    private sealed record Layer(int Units, int FanIn, float[] Weight, float[] Bias, double[]? NormScale, double[]? NormShift, string Activation);

    private sealed record Network(Layer[] Layers)
    {
        public static Network From(IReadOnlyList<LayerSpec> specs, string prefix, Dictionary<string, float[]> w)
        {
            var layers = new Layer[specs.Count];
            int norm = 0;
            for (int i = 0; i < specs.Count; i++)
            {
                var s = specs[i];
                var weight = w[$"{prefix}layers.{i}.weight"];
                double[]? scale = null, shift = null;
                if (s.BatchNorm)
                {
                    // Eval-mode batch norm as one affine map: (h - mean) / sqrt(var + eps) * gamma + beta.
                    var n = $"{prefix}norms.{norm++}.";
                    var (gamma, beta, mean, variance) = (w[n + "weight"], w[n + "bias"], w[n + "running_mean"], w[n + "running_var"]);
                    scale = new double[s.Units];
                    shift = new double[s.Units];
                    for (int u = 0; u < s.Units; u++)
                    {
                        scale[u] = gamma[u] / Math.Sqrt(variance[u] + 1e-3);
                        shift[u] = beta[u] - mean[u] * scale[u];
                    }
                }
                layers[i] = new Layer(s.Units, weight.Length / s.Units, weight, w[$"{prefix}layers.{i}.bias"], scale, shift, s.Activation);
            }
            return new Network(layers);
        }

        /// <summary>One row through every layer; the answer is a view of <paramref name="a"/> or <paramref name="b"/>. Each
        /// layer's output is rounded to float32, as torch's is.</summary>
        public ReadOnlySpan<float> Run(ReadOnlySpan<float> row, Span<float> a, Span<float> b)
        {
            ReadOnlySpan<float> input = row;
            Span<float> output = a;
            for (int i = 0; i < Layers.Length; i++)
            {
                var l = Layers[i];
                var h = output[..l.Units];
                for (int u = 0; u < l.Units; u++)
                {
                    h[u] = (float)(l.Bias[u] + Dot(l.Weight.AsSpan(u * l.FanIn, l.FanIn), input));
                    if (l.NormScale is { } ns) h[u] = (float)(h[u] * ns[u] + l.NormShift![u]);
                }
                Activate(h, l.Activation);
                input = h;
                output = output == a ? b : a;
            }
            return input;
        }
    }

    /// <summary>A float32 dot product summed in double (SIMD where the hardware has it).</summary>
    private static double Dot(ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        int n = w.Length, k = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            Vector<double> low = Vector<double>.Zero, high = Vector<double>.Zero;
            for (; k <= n - Vector<float>.Count; k += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(w[k..]), out var wl, out var wh);
                Vector.Widen(new Vector<float>(x[k..]), out var xl, out var xh);
                low += wl * xl;
                high += wh * xh;
            }
            sum = Vector.Sum(low + high);
        }
        for (; k < n; k++) sum += (double)w[k] * x[k];
        return sum;
    }

    private static void Activate(Span<float> h, string activation)
    {
        switch (activation)
        {
            case "linear": return;
            case "softmax":
            {
                double max = double.NegativeInfinity, total = 0;
                foreach (var v in h) max = Math.Max(max, v);
                foreach (var v in h) total += Math.Exp(v - max);
                for (int j = 0; j < h.Length; j++) h[j] = (float)(Math.Exp(h[j] - max) / total);
                return;
            }
        }
        for (int j = 0; j < h.Length; j++)
        {
            double v = h[j];
            h[j] = (float)(activation switch
            {
                "relu" => v > 0 ? v : (double.IsNaN(v) ? v : 0),
                "sigmoid" => 1 / (1 + Math.Exp(-v)),
                "tanh" => Math.Tanh(v),
                "elu" => v > 0 ? v : Math.Exp(v) - 1,
                "selu" => 1.0507009873554804934193349852946 * (v > 0 ? v : 1.6732632423543772848170429916717 * (Math.Exp(v) - 1)),
                "softplus" => v > 20 ? v : Math.Log(1 + Math.Exp(v)),
                "leaky_relu" => v > 0 ? v : 0.3 * v,
                _ => throw new InvalidOperationException($"activation '{activation}' has no managed forward"),
            });
        }
    }
}
