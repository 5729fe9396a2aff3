namespace AntiNex.Requests;

/// <summary>The number of trainable weights and biases of a dense network, for <see cref="EngineLimits.MaxNetworkParameters"/>.</summary>
public static class NetworkSize
{
    /// <summary>Sum over the dense layers of inputs x units + units (batch-norm copies not counted).</summary>
    public static long Parameters(int inputs, IEnumerable<int> units)
    {
        long total = 0, previous = inputs;
        foreach (var u in units)
        {
            total += previous * u + u;
            previous = u;
        }
        return total;
    }

    /// <summary>Every ensemble.seeds member is a full copy of the network, trained and held at once.</summary>
    public static long Ensemble(int inputs, IEnumerable<int> units, int seeds) => Parameters(inputs, units) * Math.Max(1, seeds);

    /// <summary>The novelty autoencoder as the detector builds it: the encoder widths, the mirrored decoder, then a
    /// reconstruction layer as wide as the input.</summary>
    public static long Autoencoder(int inputs, IReadOnlyList<int> hidden)
        => Parameters(inputs, AutoencoderWidths(inputs, hidden));

    public static IEnumerable<int> AutoencoderWidths(int inputs, IReadOnlyList<int> hidden)
        => hidden.Concat(hidden.Reverse().Skip(1)).Append(inputs);

    public static string TooLarge(long parameters, long limit)
        => $"the network has {parameters:N0} weights and biases, above the limit of {limit:N0}; use fewer or narrower layers";

    public static string AutoTooLarge(long parameters, int inputs, IEnumerable<int> units, long limit)
        => $"absent, so model_kind \"auto\" trains its own {string.Join("-", units)} network, which has {parameters:N0} weights and " +
           $"biases at its fewest inputs ({inputs}), above the limit of {limit:N0}; give model_desc.layers with fewer or narrower " +
           "layers, or a tree model_kind";

    public static string EnsembleTooLarge(long parameters, int seeds, long limit)
        => $"{seeds} ensemble seeds x the network make {parameters:N0} weights and biases, above the limit of {limit:N0}; " +
           "use fewer seeds or a smaller network";

    public static string FoldsTooLarge(long parameters, int folds, long limit)
        => $"{folds} fold networks (ensemble.folds serves one per num_splits fold) x the network make {parameters:N0} weights and " +
           $"biases, above the limit of {limit:N0}; use fewer num_splits or a smaller network";

    public static string AutoencoderTooLarge(long parameters, long limit)
        => $"the novelty autoencoder has {parameters:N0} weights and biases, above the limit of {limit:N0}; use fewer or narrower layers";
}
