using System.Numerics;
using static TorchSharp.torch;

namespace AntiNex.Learning;

/// <summary>
/// The feature pipeline of an all-numeric model as one affine map per column, x = (raw - center) * scale + offset, applied
/// to a whole float32 row block by three tensor operations instead of per value in managed code. Only for plain columns:
/// min-max, standard or robust scaling (or none), no log1p, one-hot, quantiles, bins or dropped columns.
/// The clip rule is kept by a range check on the raw values: a row holding a value outside the safe raw range (near or
/// beyond the clip bound, NaN, an infinity) is left to the per-value path, which clips it and flags it unscorable.
/// Owns two small native tensors: dispose it.
/// </summary>
internal sealed class BlockScaling : IDisposable
{
    private readonly Tensor _center;
    private readonly Tensor _scale;
    private readonly Tensor _offset;
    private readonly float[] _centerValues;
    private readonly float[] _scaleValues;
    private readonly float[] _offsetValues;

    /// <summary>Per column: raw values within [SafeLow, SafeHigh] are scaled here exactly as the per-value path does.</summary>
    public float[] SafeLow { get; }
    public float[] SafeHigh { get; }
    public int Columns => SafeLow.Length;

    private BlockScaling(double[] center, double[] scale, double[] offset, float[] safeLow, float[] safeHigh)
    {
        _centerValues = center.Select(v => (float)v).ToArray();
        _scaleValues = scale.Select(v => (float)v).ToArray();
        _offsetValues = offset.Select(v => (float)v).ToArray();
        _center = tensor(_centerValues);
        _scale = tensor(_scaleValues);
        _offset = tensor(_offsetValues);
        SafeLow = safeLow;
        SafeHigh = safeHigh;
    }

    /// <summary>The pipeline as per-column affine maps, or null when some column needs the per-value path.</summary>
    public static BlockScaling? TryCreate(FeaturePipeline pipeline)
    {
        var features = pipeline.Features;
        if (features.Count == 0 || pipeline.Width != features.Count) return null;
        if (pipeline.Scale && pipeline.Kind is not ("minmax" or "standard" or "robust")) return null;
        int n = features.Count;
        double[] center = new double[n], scale = new double[n], offset = new double[n];
        float[] low = new float[n], high = new float[n];
        for (int j = 0; j < n; j++)
        {
            var f = features[j];
            if (f.Categorical || f.Log || f.Dropped || f.Width != 1) return null;
            // The scaled value's clip interval [lo, hi] before the margin, as FeaturePipeline.ScaleClipped computes it.
            double lo, hi;
            if (!pipeline.Scale) { center[j] = 0; scale[j] = 1; offset[j] = 0; lo = f.Min; hi = f.Max; }
            else if (pipeline.Kind == "minmax")
            {
                var range = f.Max - f.Min;
                if (range == 0) range = 1;
                var s = (pipeline.Hi - pipeline.Lo) / range;
                center[j] = f.Min; scale[j] = s; offset[j] = pipeline.Lo;
                lo = pipeline.Lo; hi = pipeline.Lo + (f.Max - f.Min) * s;
            }
            else
            {
                center[j] = f.Center; scale[j] = 1 / f.Spread; offset[j] = 0;
                lo = (f.Min - f.Center) / f.Spread; hi = (f.Max - f.Center) / f.Spread;
            }
            if (!(scale[j] > 0) || !double.IsFinite(scale[j]) || !double.IsFinite(center[j]) || !double.IsFinite(offset[j])) return null;
            // The block centres in float32: a column far from zero with a narrow range (a timestamp within a day) would be
            // scaled visibly off the per-value path's double result. Such a model keeps the per-value path.
            if (Math.Abs(center[j] - (float)center[j]) * scale[j] > 1e-6) return null;
            var margin = pipeline.ClipRanges * Math.Max(hi - lo, 1);
            double rawLow = (lo - margin - offset[j]) / scale[j] + center[j], rawHigh = (hi + margin - offset[j]) / scale[j] + center[j];
            // Kept well inside the bound: float rounding can never decide on this side whether a value gets clipped.
            var shrink = 1e-4 * (rawHigh - rawLow) + 1e-5 * Math.Max(Math.Abs(rawLow), Math.Abs(rawHigh));
            if (!double.IsFinite(rawLow) || !double.IsFinite(rawHigh) || rawHigh - rawLow <= 2 * shrink) return null;
            low[j] = (float)(rawLow + shrink);
            high[j] = (float)(rawHigh - shrink);
        }
        return new BlockScaling(center, scale, offset, low, high);
    }

    /// <summary>True when every value of the row lies in the safe raw range (false for NaN and infinities).</summary>
    public bool InRange(ReadOnlySpan<float> row)
    {
        ReadOnlySpan<float> low = SafeLow, high = SafeHigh;
        int j = 0;
        // A vector at a time (ordered comparisons: a NaN lane fails both), the tail one value at a time.
        for (; j <= row.Length - Vector<float>.Count; j += Vector<float>.Count)
        {
            var v = new Vector<float>(row[j..]);
            if (!Vector.GreaterThanOrEqualAll(v, new Vector<float>(low[j..])) || !Vector.LessThanOrEqualAll(v, new Vector<float>(high[j..])))
                return false;
        }
        for (; j < row.Length; j++)
        {
            var v = row[j];
            if (!(v >= low[j] && v <= high[j])) return false;
        }
        return true;
    }

    /// <summary>The network inputs of a [rows x columns] raw block (a new torch-owned, aligned tensor).</summary>
    public Tensor Apply(Tensor raw) => raw.sub(_center).mul_(_scale).add_(_offset, Scalars.One); // alpha held: see KeptAliveAdam

    /// <summary><see cref="Apply"/> into <paramref name="x"/> (same shape, reused memory): the same operations in the same order.</summary>
    public Tensor ApplyInto(Tensor raw, Tensor x) => x.copy_(raw).sub_(_center).mul_(_scale).add_(_offset, Scalars.One);

    /// <summary><see cref="Apply"/> for one row in managed code: the same float32 operations in the same order.</summary>
    public void ApplyRow(ReadOnlySpan<float> raw, Span<float> x)
    {
        for (int j = 0; j < raw.Length; j++)
        {
            float centered = raw[j] - _centerValues[j];
            float scaled = centered * _scaleValues[j];
            x[j] = scaled + _offsetValues[j];
        }
    }

    public void Dispose()
    {
        _center.Dispose();
        _scale.Dispose();
        _offset.Dispose();
    }
}
