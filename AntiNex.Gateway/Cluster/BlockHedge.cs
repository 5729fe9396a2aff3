// The hedge delay of big raw-row blocks: a fixed allowance per row, raised to a few times the label's recent time per
// row when a loaded copy answers big blocks more slowly than that. Asking a second copy before the first could have
// answered only doubles the work on every copy (and a loaded cluster then slows down further).
using System.Collections.Concurrent;
using AntiNex.Models;

namespace AntiNex.Gateway.Cluster;

internal sealed class BlockHedge(HedgeOptions options)
{
    // Per label: recent seconds per row of big blocks' answers (moving average).
    private readonly ConcurrentDictionary<string, double> _secondsPerRow = new();

    public TimeSpan Delay(PredictRawRows block)
    {
        var delay = options.Delay + options.PerRow * block.RowCount;
        if (block.RowCount < options.MeasuredFromRows || !_secondsPerRow.TryGetValue(block.ModelId, out var perRow)) return delay;
        var measured = TimeSpan.FromSeconds(options.MeasuredFactor * perRow * block.RowCount);
        return measured > delay ? (measured < options.MaxBlockDelay ? measured : options.MaxBlockDelay) : delay;
    }

    /// <summary>A copy answered the block after <paramref name="elapsed"/>.</summary>
    public void Answered(PredictRawRows block, TimeSpan elapsed)
    {
        if (block.RowCount < options.MeasuredFromRows) return;
        var perRow = elapsed.TotalSeconds / block.RowCount;
        _secondsPerRow.AddOrUpdate(block.ModelId, perRow, (_, old) => 0.8 * old + 0.2 * perRow);
    }
}
