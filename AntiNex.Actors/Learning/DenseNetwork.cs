using AntiNex.Requests;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AntiNex.Learning;

/// <summary>
/// The model_desc network: dense layers with Keras-named inits and activations, dropout after a layer.
/// Dropout draws from a caller-supplied generator (never torch's global one) so concurrent trainings stay deterministic.
/// </summary>
internal sealed class DenseNetwork : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers;
    // One entry per batch_norm layer (in layer order); registered only when present, so older artifacts keep their names.
    private readonly ModuleList<BatchNorm1d> norms = new();
    private readonly int[] _normOf;
    private readonly LayerSpec[] _specs;

    // ensemble.seeds: the other members, registered as "members" only when there are any (single networks keep their names).
    private ModuleList<DenseNetwork>? members;
    public int EnsembleSize => 1 + (members?.Count ?? 0);

    public IReadOnlyList<LayerSpec> Specs => _specs;
    public int Inputs { get; }
    public int Outputs => _specs[^1].Units;
    public string OutputActivation => _specs[^1].Activation;

    public DenseNetwork(int inputs, IReadOnlyList<LayerSpec> specs, Generator? initGenerator) : base("antinex_dense")
    {
        Inputs = inputs;
        _specs = specs.ToArray();
        layers = new ModuleList<Linear>();
        _normOf = new int[_specs.Length];
        int fanIn = inputs;
        for (int i = 0; i < _specs.Length; i++)
        {
            var s = _specs[i];
            layers.Add(nn.Linear(fanIn, s.Units, hasBias: true, dtype: ScalarType.Float32));
            _normOf[i] = -1;
            if (s.BatchNorm) { _normOf[i] = norms.Count; norms.Add(nn.BatchNorm1d(s.Units, eps: 1e-3, momentum: 0.01)); }
            fanIn = s.Units;
        }
        RegisterComponents();
        if (initGenerator is not null) Initialize(initGenerator);
    }

    private void Initialize(Generator g)
    {
        using var _ = no_grad();
        for (int i = 0; i < _specs.Length; i++)
        {
            var w = layers[i].weight!;
            double fanOut = w.shape[0], fanIn = w.shape[1];
            // nn.init.uniform_/normal_ ignore their generator argument in TorchSharp 0.107 (measured), so the values
            // are drawn with torch.rand/randn on our generator and copied in.
            switch (_specs[i].Init)
            {
                case "uniform": Uniform(w, 0.05, g); break;
                case "normal": Normal(w, 0.05, g); break;
                case "glorot_uniform": Uniform(w, Math.Sqrt(6 / (fanIn + fanOut)), g); break;
                case "glorot_normal": Normal(w, Math.Sqrt(2 / (fanIn + fanOut)), g); break;
                case "he_uniform": Uniform(w, Math.Sqrt(6 / fanIn), g); break;
                case "he_normal": Normal(w, Math.Sqrt(2 / fanIn), g); break;
                case "lecun_uniform": Uniform(w, Math.Sqrt(3 / fanIn), g); break;
                case "lecun_normal": Normal(w, Math.Sqrt(1 / fanIn), g); break;
                case "zeros": nn.init.zeros_(w); break;
                case "ones": nn.init.ones_(w); break;
                default: throw new RequestException("model_desc.layers", $"unknown init '{_specs[i].Init}'; {Vocabulary.Allowed(Vocabulary.Inits)}");
            }
            nn.init.zeros_(layers[i].bias!); // Keras: bias starts at zeros
        }
    }

    private static void Uniform(Tensor w, double limit, Generator g)
    {
        using var r = torch.rand(w.shape, dtype: ScalarType.Float32, generator: g);
        using var span = (2 * limit).ToScalar();
        using var shift = limit.ToScalar();
        using var v = r.mul(span).sub_(shift);
        w.copy_(v);
    }

    private static void Normal(Tensor w, double std, Generator g)
    {
        using var r = torch.randn(w.shape, dtype: ScalarType.Float32, generator: g);
        using var scale = std.ToScalar();
        using var v = r.mul(scale);
        w.copy_(v);
    }

    /// <summary>Output before the last layer's activation; dropout only when a generator is given (training).</summary>
    public Tensor Logits(Tensor x, Generator? dropout)
    {
        var h = x;
        for (int i = 0; i < _specs.Length; i++)
        {
            h = layers[i].forward(h);
            if (_normOf[i] >= 0) h = Normalize(norms[_normOf[i]], h); // training mode: batch statistics; eval: running ones
            if (i == _specs.Length - 1) break;
            h = Activate(h, _specs[i].Activation);
            if (dropout is not null && _specs[i].Dropout > 0)
            {
                var p = _specs[i].Dropout;
                using var rate = p.ToScalar();
                using var survive = (1 - p).ToScalar();
                var keep = torch.rand(h.shape, dtype: h.dtype, generator: dropout).ge_(rate);
                h = h.mul(keep).div_(survive);
            }
        }
        return h;
    }

    public Tensor Output(Tensor logits) => Activate(logits, OutputActivation);

    public override Tensor forward(Tensor x)
    {
        if (members is null) return Output(Logits(x, null));
        // Ensemble: the mean of the members' outputs (probabilities for classification, values for regression).
        var sum = Output(Logits(x, null));
        foreach (var m in members) sum = sum.add(m.forward(x), Scalars.One); // alpha held: see KeptAliveAdam
        using var n = ((double)EnsembleSize).ToScalar();
        return sum.div(n);
    }

    /// <summary><see cref="forward"/> for scoring without gradients (call under no_grad): the same kernels and values, but
    /// each activation is applied in place on its layer's fresh output, so a batch allocates one activation tensor per
    /// layer instead of two (on Linux every large tensor is a fresh mapping whose pages are faulted in and zeroed).</summary>
    public Tensor Infer(Tensor x)
    {
        var h = x;
        for (int i = 0; i < _specs.Length; i++)
        {
            h = layers[i].forward(h);
            if (_normOf[i] >= 0) h = Normalize(norms[_normOf[i]], h);
            h = ActivateInPlace(h, i == _specs.Length - 1 ? OutputActivation : _specs[i].Activation);
        }
        if (members is null) return h;
        foreach (var m in members) h.add_(m.Infer(x), Scalars.One);
        using var n = ((double)EnsembleSize).ToScalar();
        return h.div_(n);
    }

    /// <summary>A single network (no ensemble members): <see cref="InferInto"/> can score it into caller-owned memory.</summary>
    public bool CanInferInto => members is null;

    /// <summary><see cref="Infer"/> writing each layer's output into <paramref name="outputs"/>[i] ([rows x units], reused
    /// memory) instead of a fresh tensor: each layer's bias is copied in, then the product added by addmm_, the very kernel
    /// calls a linear layer makes (at::linear is addmm(bias, x, weight.t())), so the values are the same. Returns the output
    /// (an <paramref name="outputs"/> entry, or a new tensor when an activation or batch norm has no in-place form).
    /// Single networks only (<see cref="CanInferInto"/>); call under no_grad.</summary>
    public Tensor InferInto(Tensor x, IReadOnlyList<Tensor> outputs)
    {
        if (!CanInferInto) throw new InvalidOperationException("an ensemble is scored by Infer");
        var h = x;
        for (int i = 0; i < _specs.Length; i++)
        {
            var layer = layers[i];
            var o = outputs[i].copy_(layer.bias!);
            using var transposed = layer.weight!.t();
            h = o.addmm_(h, transposed);
            if (_normOf[i] >= 0) h = Normalize(norms[_normOf[i]], h);
            h = ActivateInPlace(h, i == _specs.Length - 1 ? OutputActivation : _specs[i].Activation);
        }
        return h;
    }

    /// <summary><see cref="Activate"/> overwriting <paramref name="h"/> where torch has an in-place kernel for it.</summary>
    private static Tensor ActivateInPlace(Tensor h, string activation) => activation switch
    {
        "relu" => h.relu_(),
        "sigmoid" => h.sigmoid_(),
        "tanh" => h.tanh_(),
        "linear" => h,
        _ => Activate(h, activation),
    };

    /// <summary>Makes this network the first member of an ensemble; the others are trained (or loaded) separately.</summary>
    public void AttachMembers(IReadOnlyList<DenseNetwork> others)
    {
        if (others.Count == 0) return;
        members = new ModuleList<DenseNetwork>();
        foreach (var m in others) members.Add(m);
        register_module("members", members);
        if (!training) eval();
    }

    /// <summary>The activations below pass held Scalars: nn.functional's elu, softplus and leaky_relu turn their double
    /// arguments into Scalars that nothing holds while libtorch reads them (see <see cref="Scalars"/>).</summary>
    public static Tensor Activate(Tensor h, string activation) => activation switch
    {
        "relu" => nn.functional.relu(h),
        "sigmoid" => torch.sigmoid(h),
        "tanh" => torch.tanh(h),
        "softmax" => torch.softmax(h, 1),
        "linear" => h,
        "elu" => h.elu(Scalars.One, Scalars.One, Scalars.One), // alpha, scale, input scale: nn.functional.elu(h, 1.0)
        "selu" => nn.functional.selu(h, false),
        "softplus" => Softplus(h),
        "leaky_relu" => h.leaky_relu(Scalars.LeakyReluSlope),
        _ => throw new RequestException("model_desc.layers", $"unknown activation '{activation}'; {Vocabulary.Allowed(Vocabulary.Activations)}"),
    };

    /// <summary>torch's softplus with beta 1 and threshold 20 (x above 20 stays x), from held Scalars: TorchSharp's only
    /// public softplus makes its beta and threshold Scalars itself. The exponent is clamped at the threshold so that the
    /// branch where() drops has a finite gradient (an inf there would turn the kept branch's gradient into NaN).</summary>
    private static Tensor Softplus(Tensor h)
    {
        using var above = h.gt(Scalars.SoftplusThreshold);
        using var exp = h.clamp_max(Scalars.SoftplusThreshold).exp_();
        using var soft = exp.log1p(); // not in place: exp's backward reads its output
        return torch.where(above, h, soft);
    }

    /// <summary>BatchNorm1d's forward (TorchSharp 0.107's BatchNorm.forward, step for step, for a set momentum and tracked
    /// running statistics) with its batch counter stepped by held Scalars: the module's own num_batches_tracked.add_(1)
    /// makes a value and an alpha Scalar that nothing holds, on every training batch.</summary>
    private static Tensor Normalize(BatchNorm1d norm, Tensor h)
    {
        if (norm.training) norm.num_batches_tracked?.add_(Scalars.Count, Scalars.Count);
        return nn.functional.batch_norm(h, norm.running_mean, norm.running_var, norm.weight, norm.bias, norm.training,
            norm.momentum!.Value, norm.eps);
    }

    /// <summary>Parameters by name, as float arrays (for the artifact).</summary>
    public List<(string Name, long[] Shape, float[] Data)> ExportWeights()
    {
        var list = new List<(string, long[], float[])>();
        foreach (var (name, p) in named_parameters())
            list.Add((name, p.shape, p.detach().cpu().data<float>().ToArray()));
        foreach (var (name, b) in FloatBuffers())
            list.Add((name, b.shape, b.detach().cpu().data<float>().ToArray()));
        return list;
    }

    public void ImportWeights(IReadOnlyList<(string Name, long[] Shape, float[] Data)> weights)
    {
        var byName = named_parameters().Select(p => (p.name, Tensor: (Tensor)p.parameter)).Concat(FloatBuffers())
            .ToDictionary(p => p.name, p => p.Tensor);
        if (weights.Count != byName.Count)
            throw new ArtifactException($"artifact has {weights.Count} weight tensors, the network has {byName.Count}");
        // Count and names alone would let a name written twice stand in for a missing one, leaving that layer at its
        // random initialisation.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var _ = no_grad();
        foreach (var (name, shape, data) in weights)
        {
            if (!seen.Add(name)) throw new ArtifactException($"artifact weight '{name}' appears more than once");
            if (!byName.TryGetValue(name, out var p)) throw new ArtifactException($"artifact weight '{name}' does not exist in the network");
            if (!p.shape.SequenceEqual(shape)) throw new ArtifactException(
                $"artifact weight '{name}' has shape [{string.Join(",", shape)}], network [{string.Join(",", p.shape)}]");
            using var src = torch.tensor(data, shape);
            p.copy_(src);
        }
    }

    /// <summary>Batch-norm running mean/variance (float buffers; the int64 batch counter is not needed to predict).</summary>
    private IEnumerable<(string name, Tensor Tensor)> FloatBuffers()
        => named_buffers().Where(b => b.buffer.dtype == ScalarType.Float32).Select(b => (b.name, b.buffer));

    /// <summary>The default network of the original when model_desc is absent: 8-6-1 (outputs adapted for multi-class).</summary>
    public static List<LayerSpec> DefaultLayers(bool regression, int outputs)
    {
        var init = regression ? "normal" : "uniform";
        var last = regression ? "linear" : outputs == 1 ? "sigmoid" : "softmax";
        return [new LayerSpec(8, init, "relu"), new LayerSpec(6, init, "relu"), new LayerSpec(outputs, init, last)];
    }
}
