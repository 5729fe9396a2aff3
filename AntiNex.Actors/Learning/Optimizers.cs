using AntiNex.Requests;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AntiNex.Learning;

/// <summary>What the training loop needs of an optimizer: a settable learning rate, zero_grad and step.</summary>
internal interface IStepper : IDisposable
{
    double LearningRate { get; set; }
    void ZeroGrad();
    void Step();
}

/// <summary>Creates the request's optimizer with Keras' defaults (learning rates, epsilon 1e-7, RMSprop rho 0.9).</summary>
internal static class Optimizers
{
    /// <param name="weightDecay">L2 added to the gradient (sgd, rmsprop, adagrad, adamax, nadam). Adam's decay is
    /// decoupled and applied by the training loop.</param>
    public static IStepper Create(IEnumerable<Parameter> parameters, string name, double? lr, double weightDecay)
    {
        var ps = parameters.ToList();
        return name switch
        {
            "adam" => new KeptAliveAdam(ps, lr ?? Vocabulary.DefaultLearningRate(name), 0.9, 0.999, 1e-7),
            "sgd" => new KeptAliveSgd(ps, lr ?? Vocabulary.DefaultLearningRate(name), weightDecay),
            "rmsprop" => new KeptAliveRmsProp(ps, lr ?? Vocabulary.DefaultLearningRate(name), 0.9, 1e-7, weightDecay),
            "adagrad" => new KeptAliveAdagrad(ps, lr ?? Vocabulary.DefaultLearningRate(name), 0.1, 1e-7, weightDecay),
            "adamax" => new KeptAliveAdamax(ps, lr ?? Vocabulary.DefaultLearningRate(name), 0.9, 0.999, 1e-7, weightDecay),
            "nadam" => new KeptAliveNAdam(ps, lr ?? Vocabulary.DefaultLearningRate(name), 0.9, 0.999, 1e-7, 4e-3, weightDecay),
            _ => throw new RequestException("optimizer", $"unknown optimizer '{name}'; {Vocabulary.Allowed(Vocabulary.Optimizers)}"),
        };
    }
}

/// <summary>
/// Adam (no amsgrad), the math of torch.optim.Adam, written here so that every Scalar handed to libtorch is a local
/// that stays reachable until the call returns. Why: TorchSharp 0.107's managed optimizers turn doubles into Scalars
/// implicitly and never keep them alive; under GC pressure a finalizer freed one while libtorch still read it
/// ("toDouble" check failure inside Adam.step, seen in parallel test runs). Adam is the default and the most used.
/// The same holds for the overloads that make a Scalar of their own: add_(Scalar) and add_(Tensor) pass a fresh alpha of
/// 1, so every add here names its alpha (a freed alpha failed a training with a "toFloat" check in parallel test runs).
/// Weight decay is not applied here: the training loop decouples it (AdamW-style).
/// </summary>
internal sealed class KeptAliveAdam(IReadOnlyList<Parameter> ps, double lr, double beta1, double beta2, double eps)
    : KeptAliveStepper(ps, lr, weightDecay: 0)
{
    private readonly Tensor?[] _v = new Tensor?[ps.Count]; // second moments; the first moments are the base's state
    private readonly Scalar _b1 = beta1.ToScalar(), _oneMinusB1 = (1 - beta1).ToScalar();
    private readonly Scalar _b2 = beta2.ToScalar(), _oneMinusB2 = (1 - beta2).ToScalar(), _eps = eps.ToScalar();
    private Scalar? _sqrtBc2, _negStep;
    private long _step;

    protected override void BeginStep()
    {
        _step++;
        double bc1 = 1 - Math.Pow(beta1, _step), bc2 = 1 - Math.Pow(beta2, _step);
        _sqrtBc2 = Math.Sqrt(bc2).ToScalar();
        _negStep = (-LearningRate / bc1).ToScalar();
    }

    protected override void Update(int index, Parameter p, Tensor g, ref Tensor? m)
    {
        m ??= Persistent(zeros_like(p));
        var v = _v[index] ??= Persistent(zeros_like(p));
        m.mul_(_b1).add_(g, _oneMinusB1);
        v.mul_(_b2).addcmul_(g, g, _oneMinusB2);
        using var denom = v.sqrt();
        denom.div_(_sqrtBc2!).add_(_eps, Scalars.One); // alpha given: add_(Scalar) makes its own, kept alive by nothing
        p.addcdiv_(m, denom, _negStep!);
    }

    protected override void EndStep()
    {
        _sqrtBc2?.Dispose(); _negStep?.Dispose();
        _sqrtBc2 = _negStep = null;
    }

    protected override void DisposeState()
    {
        foreach (var t in _v) t?.Dispose();
        _b1.Dispose(); _oneMinusB1.Dispose(); _b2.Dispose(); _oneMinusB2.Dispose(); _eps.Dispose();
    }
}

/// <summary>Adamax, torch.optim.Adamax's math: m = b1*m + (1-b1)*g; u = max(b2*u, |g| + eps); p -= lr / (1 - b1^t) * m / u.
/// Held Scalars only, as in KeptAliveAdam.</summary>
internal sealed class KeptAliveAdamax(IReadOnlyList<Parameter> ps, double lr, double beta1, double beta2, double eps, double weightDecay)
    : KeptAliveStepper(ps, lr, weightDecay)
{
    private readonly Tensor?[] _u = new Tensor?[ps.Count]; // infinity norms; the first moments are the base's state
    private readonly Scalar _b1 = beta1.ToScalar(), _oneMinusB1 = (1 - beta1).ToScalar(), _b2 = beta2.ToScalar(), _eps = eps.ToScalar();
    private Scalar? _negStep;
    private long _step;

    protected override void BeginStep()
    {
        _step++;
        _negStep = (-LearningRate / (1 - Math.Pow(beta1, _step))).ToScalar();
    }

    protected override void Update(int index, Parameter p, Tensor g, ref Tensor? m)
    {
        m ??= Persistent(zeros_like(p));
        var u = _u[index] ??= Persistent(zeros_like(p));
        m.mul_(_b1).add_(g, _oneMinusB1);
        using var bound = g.abs();
        bound.add_(_eps, Scalars.One);
        u.mul_(_b2).clamp_(bound, null); // in place max(b2*u, |g| + eps)
        p.addcdiv_(m, u, _negStep!);
    }

    protected override void EndStep() { _negStep?.Dispose(); _negStep = null; }
    protected override void DisposeState()
    {
        foreach (var t in _u) t?.Dispose();
        _b1.Dispose(); _oneMinusB1.Dispose(); _b2.Dispose(); _eps.Dispose();
    }
}

/// <summary>NAdam, torch.optim.NAdam's math: Adam's moments with a Nesterov step whose momentum mu_t = b1 * (1 - 0.5 *
/// 0.96^(t * momentum_decay)) and products of the mu's replace Adam's first bias correction. Held Scalars only, as in
/// KeptAliveAdam.</summary>
internal sealed class KeptAliveNAdam(IReadOnlyList<Parameter> ps, double lr, double beta1, double beta2, double eps, double momentumDecay,
    double weightDecay) : KeptAliveStepper(ps, lr, weightDecay)
{
    private readonly Tensor?[] _v = new Tensor?[ps.Count]; // second moments; the first moments are the base's state
    private readonly Scalar _b1 = beta1.ToScalar(), _oneMinusB1 = (1 - beta1).ToScalar();
    private readonly Scalar _b2 = beta2.ToScalar(), _oneMinusB2 = (1 - beta2).ToScalar(), _eps = eps.ToScalar();
    private Scalar? _bc2, _negGradStep, _negMomentStep;
    private double _muProduct = 1;
    private long _step;

    protected override void BeginStep()
    {
        _step++;
        double mu = beta1 * (1.0 - 0.5 * Math.Pow(0.96, _step * momentumDecay));
        double muNext = beta1 * (1.0 - 0.5 * Math.Pow(0.96, (_step + 1) * momentumDecay));
        _muProduct *= mu;
        double muProductNext = _muProduct * muNext;
        _bc2 = (1 - Math.Pow(beta2, _step)).ToScalar();
        _negGradStep = (-LearningRate * (1 - mu) / (1 - _muProduct)).ToScalar();
        _negMomentStep = (-LearningRate * muNext / (1 - muProductNext)).ToScalar();
    }

    protected override void Update(int index, Parameter p, Tensor g, ref Tensor? m)
    {
        m ??= Persistent(zeros_like(p));
        var v = _v[index] ??= Persistent(zeros_like(p));
        m.mul_(_b1).add_(g, _oneMinusB1);
        v.mul_(_b2).addcmul_(g, g, _oneMinusB2);
        using var denom = v.div(_bc2!);
        denom.sqrt_().add_(_eps, Scalars.One);
        p.addcdiv_(g, denom, _negGradStep!);
        p.addcdiv_(m, denom, _negMomentStep!);
    }

    protected override void EndStep()
    {
        _bc2?.Dispose(); _negGradStep?.Dispose(); _negMomentStep?.Dispose();
        _bc2 = _negGradStep = _negMomentStep = null;
    }

    protected override void DisposeState()
    {
        foreach (var t in _v) t?.Dispose();
        _b1.Dispose(); _oneMinusB1.Dispose(); _b2.Dispose(); _oneMinusB2.Dispose(); _eps.Dispose();
    }
}

/// <summary>Shared parts of the kept-alive optimizers: zero_grad, per-parameter state outside the batch dispose scope,
/// and the L2 term torch adds to the gradient (grad + wd * p) for the non-Adam optimizers.</summary>
internal abstract class KeptAliveStepper(IReadOnlyList<Parameter> parameters, double lr, double weightDecay) : IStepper
{
    protected IReadOnlyList<Parameter> Parameters { get; } = parameters;
    private readonly Tensor?[] _state = new Tensor?[parameters.Count];
    public double LearningRate { get; set; } = lr;

    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    public void Step()
    {
        using var _ = no_grad();
        using var decay = weightDecay != 0 ? weightDecay.ToScalar() : null;
        BeginStep();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            using var raw = p.grad;
            if (raw is null) continue;
            using var decayed = decay is null ? null : raw.add(p, decay); // torch's L2: grad + wd * p
            Update(i, p, decayed ?? raw, ref _state[i]);
        }
        EndStep();
    }

    /// <summary>A state tensor that lives across batches (out of the loop's per-batch dispose scope).</summary>
    protected static Tensor Persistent(Tensor t) => t.DetachFromDisposeScope();

    protected virtual void BeginStep() { }
    protected abstract void Update(int index, Parameter p, Tensor grad, ref Tensor? state);
    protected virtual void EndStep() { }

    public void Dispose()
    {
        foreach (var t in _state) t?.Dispose();
        DisposeState();
    }

    /// <summary>Extra state tensors and the Scalars a subclass holds for its whole life.</summary>
    protected virtual void DisposeState() { }
}

/// <summary>Plain SGD (Keras' default: no momentum): p -= lr * g.</summary>
internal sealed class KeptAliveSgd(IReadOnlyList<Parameter> ps, double lr, double weightDecay) : KeptAliveStepper(ps, lr, weightDecay)
{
    private Scalar? _negLr;
    protected override void BeginStep() => _negLr = (-LearningRate).ToScalar();
    protected override void Update(int index, Parameter p, Tensor g, ref Tensor? state) => p.add_(g, _negLr!);
    protected override void EndStep() { _negLr?.Dispose(); _negLr = null; }
}

/// <summary>RMSprop (not centred, no momentum): s = a*s + (1-a)*g^2; p -= lr * g / (sqrt(s) + eps).</summary>
internal sealed class KeptAliveRmsProp(IReadOnlyList<Parameter> ps, double lr, double alpha, double eps, double weightDecay)
    : KeptAliveStepper(ps, lr, weightDecay)
{
    private readonly Scalar _alpha = alpha.ToScalar(), _oneMinusAlpha = (1 - alpha).ToScalar(), _eps = eps.ToScalar();
    private Scalar? _negLr;
    protected override void BeginStep() => _negLr = (-LearningRate).ToScalar();
    protected override void Update(int index, Parameter p, Tensor g, ref Tensor? state)
    {
        var s = state ??= Persistent(zeros_like(p));
        s.mul_(_alpha).addcmul_(g, g, _oneMinusAlpha);
        using var avg = s.sqrt();
        avg.add_(_eps, Scalars.One);
        p.addcdiv_(g, avg, _negLr!);
    }
    protected override void EndStep() { _negLr?.Dispose(); _negLr = null; }
    protected override void DisposeState() { _alpha.Dispose(); _oneMinusAlpha.Dispose(); _eps.Dispose(); }
}

/// <summary>Adagrad (no lr decay): sum += g^2; p -= lr * g / (sqrt(sum) + eps); sum starts at initial_accumulator_value.</summary>
internal sealed class KeptAliveAdagrad(IReadOnlyList<Parameter> ps, double lr, double initialAccumulator, double eps, double weightDecay)
    : KeptAliveStepper(ps, lr, weightDecay)
{
    private readonly Scalar _one = 1.0.ToScalar(), _eps = eps.ToScalar(), _init = initialAccumulator.ToScalar();
    private Scalar? _negLr;
    protected override void BeginStep() => _negLr = (-LearningRate).ToScalar();
    protected override void Update(int index, Parameter p, Tensor g, ref Tensor? state)
    {
        var sum = state ??= Persistent(full_like(p, _init));
        sum.addcmul_(g, g, _one);
        using var std = sum.sqrt();
        std.add_(_eps, _one);
        p.addcdiv_(g, std, _negLr!);
    }
    protected override void EndStep() { _negLr?.Dispose(); _negLr = null; }
    protected override void DisposeState() { _one.Dispose(); _eps.Dispose(); _init.Dispose(); }
}
