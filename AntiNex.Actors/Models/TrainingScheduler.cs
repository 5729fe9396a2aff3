// Node-wide bound on concurrent trainings: TorchSharp training saturates cores, so a node runs at most N at once and
// queues the rest (first come, first served), telling each queued request its position.
using System.Diagnostics;
using AntiNex.Observability;

namespace AntiNex.Models;

public sealed class TrainingScheduler
{
    private readonly SemaphoreSlim _slots;
    private int _waiting;
    private int _running;

    public TrainingScheduler(int concurrency)
    {
        if (concurrency < 1) throw new ArgumentOutOfRangeException(nameof(concurrency), "training concurrency must be >= 1");
        Concurrency = concurrency;
        AntiNexMetrics.SetTrainingSlots(concurrency);
        _slots = new SemaphoreSlim(concurrency, concurrency);
    }

    public int Concurrency { get; }
    public int Waiting => Volatile.Read(ref _waiting);
    public int Running => Volatile.Read(ref _running);

    /// <summary>Runs <paramref name="work"/> on a dedicated thread once a slot is free. <paramref name="queued"/> is called
    /// synchronously with the 1-based queue position (0 when a slot is free right away).</summary>
    public async Task<T> Run<T>(Func<CancellationToken, T> work, Action<int> queued, Action started, CancellationToken ct)
    {
        var position = Interlocked.Increment(ref _waiting);
        queued(_slots.CurrentCount > 0 ? 0 : position - _slots.CurrentCount);
        AntiNexMetrics.QueueDepthChanged(+1);
        try
        {
            await _slots.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
            AntiNexMetrics.QueueDepthChanged(-1);
        }
        var clock = Stopwatch.StartNew();
        var outcome = "failed";
        try
        {
            Interlocked.Increment(ref _running);
            AntiNexMetrics.TrainingStarted();
            started();
            // Training blocks a thread for seconds to minutes: keep it off the pool that runs the actors.
            var result = await Task.Factory.StartNew(() => work(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .ConfigureAwait(false);
            outcome = "success";
            return result;
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
            throw;
        }
        finally
        {
            AntiNexMetrics.TrainingFinished(clock.Elapsed.TotalSeconds, outcome);
            Interlocked.Decrement(ref _running);
            _slots.Release();
        }
    }
}
