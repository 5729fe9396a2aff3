namespace AntiNex.Learning;

/// <summary>A scorable row's decision from the network outputs, as <see cref="TrainedModel"/>'s Decode gives it, with the
/// model's task, threshold and class values read once per block instead of once per row.</summary>
internal readonly struct FastDecoder
{
    private readonly TaskKind _task;
    private readonly double _threshold;
    private readonly float[] _classValues;
    private readonly TargetCodec _target;

    public FastDecoder(ModelState state)
    {
        _task = state.Task;
        _threshold = state.Threshold ?? 0.5;
        _target = state.Target;
        _classValues = state.Target.ClassValues.Select(v => (float)v).ToArray();
    }

    /// <summary>False when an output of the row is not finite (the row then takes the per-value path).</summary>
    public bool TryDecode(float[] scores, int row, int outputs, out float value)
    {
        switch (_task)
        {
            case TaskKind.Binary:
            {
                float p = scores[row];
                value = _classValues[p > _threshold ? 1 : 0];
                return float.IsFinite(p);
            }
            case TaskKind.MultiClass:
            {
                int first = row * outputs, best = 0;
                for (int j = 0; j < outputs; j++) if (!float.IsFinite(scores[first + j])) { value = 0; return false; }
                for (int j = 1; j < outputs; j++) if (scores[first + j] > scores[first + best]) best = j;
                value = _classValues[best];
                return true;
            }
            default:
                value = (float)_target.UnscaleTarget(scores[row]);
                return float.IsFinite(scores[row]);
        }
    }
}
