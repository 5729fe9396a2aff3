namespace AntiNex.Requests;

/// <summary>The number of trainable weights and biases of a dense network, for <see cref="EngineLimits.MaxNetworkParameters"/>.</summary>
public static class NetworkSize
{
    /// <summary>Sum over the dense layers of inputs x units + units (batch-norm and ensemble copies not counted).</summary>
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

    public static string TooLarge(long parameters, long limit)
        => $"the network has {parameters:N0} weights and biases, above the limit of {limit:N0}; use fewer or narrower layers";
}
