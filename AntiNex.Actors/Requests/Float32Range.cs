using System.Globalization;

namespace AntiNex.Requests;

/// <summary>
/// Bounds of request numbers the learner hands to float32 tensors. A double beyond float32 passes as a double and fails
/// deep in training ("value cannot be converted to type float"), so the request is refused up front, naming the field.
/// </summary>
internal static class Float32Range
{
    /// <summary>The largest learning rate (or weight decay) taken: far above any useful value, and low enough that the
    /// optimizers' products (Adam's lr / (1 - beta1^t), lr × weight_decay) stay well inside float32.</summary>
    public const double MaxRate = 1e6;

    public static readonly string MaxRateText = Text(MaxRate);

    public static bool Fits(double value) => double.IsFinite(value) && Math.Abs(value) <= float.MaxValue;

    /// <summary>A learning rate: above 0 also as a float32 (1e-300 is 0 there), at most <see cref="MaxRate"/>.</summary>
    public static bool IsRate(double value) => value > 0 && (float)value > 0 && value <= MaxRate;

    /// <summary>A weight decay or a minimum rate: 0 allowed, at most <see cref="MaxRate"/>.</summary>
    public static bool IsNonNegativeRate(double value) => value >= 0 && value <= MaxRate;

    public static string TooLarge(double value)
        => $"must fit a float32 (magnitude at most {Text(float.MaxValue)}), got {Text(value)}";

    public static string NotARate(double value) => $"must be a number > 0 and at most {MaxRateText} (a float32 rate), got {Text(value)}";

    private static string Text(double value) => value.ToString("G9", CultureInfo.InvariantCulture);
}
