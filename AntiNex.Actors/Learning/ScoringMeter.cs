using System.Diagnostics.Metrics;

namespace AntiNex.Learning;

/// <summary>
/// The engine's own counter of unscorable rows, on the product's meter name "AntiNex" (the node's OpenTelemetry
/// exporter picks up every meter of that name), so every predict path counts them without the engine knowing actors.
/// </summary>
internal static class ScoringMeter
{
    private static readonly Meter Meter = new("AntiNex");

    private static readonly Counter<long> Unscorable = Meter.CreateCounter<long>(
        "antinex.predict.unscorable", "{row}", "Predicted rows that could not be scored (NaN input or non-finite output), answered as alarms.");

    public static void RecordUnscorable(string label, int rows)
    {
        // The model key (trimmed, lower case) under the same bound as every per-model series: labels are user input.
        if (rows > 0)
            Unscorable.Add(rows, new KeyValuePair<string, object?>("model", Observability.AntiNexMetrics.ModelTag(label.Trim().ToLowerInvariant())));
    }
}
