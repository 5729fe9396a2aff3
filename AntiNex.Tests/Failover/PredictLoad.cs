using System.Collections.Concurrent;
using System.Diagnostics;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Tests.Failover;

/// <summary>Raw-row predicts over some labels at a fixed concurrency (5 s per request) until stopped, as a fault test's
/// background load: it counts the answers, keeps every failure and the longest gap between two answers (what a client
/// sees as an outage).</summary>
internal sealed class PredictLoad
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers;
    private long _served, _longestGapMs, _last = Stopwatch.GetTimestamp();

    public ConcurrentQueue<string> Errors { get; } = new();
    public long Served => Interlocked.Read(ref _served);
    public long LongestGapMs => Interlocked.Read(ref _longestGapMs);

    private PredictLoad(GatewayClient gateway, IReadOnlyList<string> labels, double[][] rows, int concurrency,
        Func<object, string> describe)
    {
        _workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var i = w;
            while (!_stop.IsCancellationRequested)
            {
                var label = labels[i++ % labels.Count];
                try
                {
                    var reply = await gateway.PredictRowsAsync(label, rows, TimeSpan.FromSeconds(5));
                    if (reply is not RowsPredicted) { Errors.Enqueue($"{label}: {describe(reply)}"); continue; }
                    var now = Stopwatch.GetTimestamp();
                    var gap = (long)Stopwatch.GetElapsedTime(Interlocked.Exchange(ref _last, now), now).TotalMilliseconds;
                    if (gap > Interlocked.Read(ref _longestGapMs)) Interlocked.Exchange(ref _longestGapMs, gap);
                    Interlocked.Increment(ref _served);
                }
                catch (Exception ex) { Errors.Enqueue($"{label}: {ex.GetType().Name} {ex.Message}"); }
            }
        })).ToList();
    }

    public static PredictLoad Start(GatewayClient gateway, IReadOnlyList<string> labels, double[][] rows,
        Func<object, string> describe, int concurrency = 4) => new(gateway, labels, rows, concurrency, describe);

    /// <summary>Stops the workers and waits for their last requests.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_workers);
        _stop.Dispose();
    }
}
