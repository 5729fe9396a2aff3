// Dynamic batching in the gateway: small raw-row predicts for the same label that arrive while earlier ones are still
// on their way are coalesced into one cluster message, and the answer is split back to each caller. No timer: a label
// with nothing in flight sends at once (no added latency at concurrency 1); under load, whatever queued while the
// in-flight messages travelled leaves together, up to a row cap.
using System.Diagnostics;
using AntiNex.Models;

namespace AntiNex.Gateway.Cluster;

public sealed record CoalesceOptions
{
    /// <summary>Requests of at most this many rows are coalesced; larger ones go alone.</summary>
    public int SmallRows { get; init; } = 64;
    /// <summary>Rows per coalesced message at most.</summary>
    public int MaxBatchRows { get; init; } = 1024;
    /// <summary>Messages in flight per label before requests start to queue.</summary>
    public int InFlightPerLabel { get; init; } = 2;
}

internal sealed class RowCoalescer(Func<PredictRawRows, TimeSpan, Task<object>> send, CoalesceOptions options)
{
    /// <summary>A caller's request. Its timeout counts from when it asked: one still queued when it passes hears a timeout
    /// and its rows are never sent; once sent, the answer (or the send's own timeout, on what was left) is the caller's.</summary>
    private sealed class Waiting(PredictRawRows block, TimeSpan timeout)
    {
        private readonly long _asked = Stopwatch.GetTimestamp();
        public PredictRawRows Block { get; } = block;
        public TimeSpan Timeout { get; } = timeout;
        public TaskCompletionSource<object> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenSource? Expiry { get; set; }
        public bool Sent { get; set; }     // under the lanes' lock
        public bool Expired { get; set; }  // under the lanes' lock

        /// <summary>What is left of the caller's timeout (zero once it passed; an infinite one stays infinite).</summary>
        public TimeSpan Left => Timeout == System.Threading.Timeout.InfiniteTimeSpan ? Timeout
            : Timeout - Stopwatch.GetElapsedTime(_asked) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private sealed class Lane
    {
        public readonly Queue<Waiting> Queue = new();
        public int InFlight;
    }

    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    public bool Takes(PredictRawRows block) => block.Columns > 0 && block.RowCount is > 0 and var n && n <= options.SmallRows &&
                                               block.Values.Length == n * block.Columns && AllFinite(block.Values);

    public Task<object> SendAsync(PredictRawRows block, TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a timeout is positive or infinite");
        var waiting = new Waiting(block, timeout);
        List<Waiting>? batch = null;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(block.ModelId, out var lane)) _lanes[block.ModelId] = lane = new Lane();
            lane.Queue.Enqueue(waiting);
            if (lane.InFlight < options.InFlightPerLabel) batch = Take(lane);
            else if (timeout != System.Threading.Timeout.InfiniteTimeSpan && timeout.TotalMilliseconds < int.MaxValue) // (longer: no timer)
            {
                waiting.Expiry = new CancellationTokenSource(timeout);
                waiting.Expiry.Token.Register(() => Expire(waiting));
            }
        }
        if (batch is not null) _ = Run(block.ModelId, batch);
        return waiting.Reply.Task;
    }

    /// <summary>The caller's time ran out while it was queued: it hears a timeout now, and its rows stay unsent.</summary>
    private void Expire(Waiting w)
    {
        lock (_lanes)
        {
            if (w.Sent) return;
            w.Expired = true;
        }
        w.Reply.TrySetException(new TimeoutException(
            $"no copy of '{w.Block.ModelId}' answered within {w.Timeout.TotalSeconds:F1} s (queued behind the label's predicts in flight)"));
    }

    /// <summary>Under the lock: the queued requests that leave together (same width, up to the row cap), skipping those that
    /// expired in the queue; null when none is left.</summary>
    private List<Waiting>? Take(Lane lane)
    {
        while (lane.Queue.TryPeek(out var head) && head.Expired) lane.Queue.Dequeue();
        if (lane.Queue.Count == 0) return null;
        var batch = new List<Waiting> { lane.Queue.Dequeue() };
        var rows = batch[0].Block.RowCount;
        while (lane.Queue.TryPeek(out var next))
        {
            if (next.Expired)
            {
                lane.Queue.Dequeue();
                continue;
            }
            if (next.Block.Columns != batch[0].Block.Columns || rows + next.Block.RowCount > options.MaxBatchRows) break;
            batch.Add(lane.Queue.Dequeue());
            rows += next.Block.RowCount;
        }
        foreach (var w in batch) w.Sent = true;
        lane.InFlight++;
        return batch;
    }

    private async Task Run(string modelId, List<Waiting> first)
    {
        for (List<Waiting>? batch = first; batch is not null;)
        {
            foreach (var w in batch) w.Expiry?.Dispose(); // sent: its answer decides now
            await Answer(batch);
            lock (_lanes)
            {
                var lane = _lanes[modelId];
                lane.InFlight--;
                batch = Take(lane);
                if (batch is null && lane.InFlight == 0) _lanes.Remove(modelId);
            }
        }
    }

    private async Task Answer(List<Waiting> batch)
    {
        try
        {
            if (batch.Count == 1)
            {
                batch[0].Reply.TrySetResult(await send(batch[0].Block, batch[0].Left));
                return;
            }
            var columns = batch[0].Block.Columns;
            var values = new float[batch.Sum(w => w.Block.Values.Length)];
            var at = 0;
            foreach (var w in batch)
            {
                w.Block.Values.CopyTo(values, at);
                at += w.Block.Values.Length;
            }
            var reply = await send(new PredictRawRows(batch[0].Block.ModelId, columns, values), Longest(batch));
            if (reply is RowsPredicted r && r.Values.Length == values.Length / columns)
            {
                var offset = 0;
                foreach (var w in batch)
                {
                    var n = w.Block.RowCount;
                    w.Reply.TrySetResult(r with { Values = r.Values.AsSpan(offset, n).ToArray() });
                    offset += n;
                }
            }
            else foreach (var w in batch) w.Reply.TrySetResult(reply);
        }
        catch (Exception ex)
        {
            foreach (var w in batch) w.Reply.TrySetException(ex);
        }
    }

    /// <summary>The longest time left among the batch's callers (finite ones first: the send needs a deadline).</summary>
    private static TimeSpan Longest(List<Waiting> batch)
        => batch.Where(w => w.Left != Timeout.InfiniteTimeSpan).Select(w => w.Left).DefaultIfEmpty(Timeout.InfiniteTimeSpan).Max();

    private static bool AllFinite(float[] values)
    {
        foreach (var v in values) if (!float.IsFinite(v)) return false;
        return true;
    }
}
