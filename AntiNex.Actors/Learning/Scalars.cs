using TorchSharp;

namespace AntiNex.Learning;

/// <summary>Constant Scalars passed to libtorch on every batch. Held in static fields so that no finalizer can free one
/// while native code reads it (TorchSharp 0.107 creates implicit Scalars without keeping them alive; see KeptAliveAdam).</summary>
internal static class Scalars
{
    public static readonly Scalar Zero = 0.0.ToScalar();
    public static readonly Scalar Half = 0.5.ToScalar();
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar Two = 2.0.ToScalar();
    /// <summary>An integral 1, for int64 tensors (a batch norm's batch counter): libtorch refuses a floating alpha there.</summary>
    public static readonly Scalar Count = 1L.ToScalar();
    /// <summary>Keras' LeakyReLU default alpha.</summary>
    public static readonly Scalar LeakyReluSlope = 0.3.ToScalar();
    /// <summary>torch's softplus threshold: above it softplus(x) is x.</summary>
    public static readonly Scalar SoftplusThreshold = 20.0.ToScalar();
    /// <summary>Probabilities are clamped into [1e-7, 1 - 1e-7] before a log (Keras' epsilon).</summary>
    public static readonly Scalar ProbLo = 1e-7.ToScalar();
    public static readonly Scalar ProbHi = (1 - 1e-7).ToScalar();
}
