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

internal sealed class RowCoalescer(Func<PredictRawRows, TimeSpan, Task<object>> send, CoalesceOptions options,
    FrameBudget? frame = null)
{
    /// <summary>A caller's request. Its timeout counts from when it asked, queue and batch included: one still queued when
    /// it passes hears a timeout and its rows are never sent; one whose rows went in a batch sent with a longer deadline
    /// hears its timeout at its own time, and the batch goes on for the others. The same for a caller that goes away.</summary>
    private sealed class Waiting(PredictRawRows block, TimeSpan timeout)
    {
        private readonly long _asked = Stopwatch.GetTimestamp();
        public PredictRawRows Block { get; } = block;
        public TimeSpan Timeout { get; } = timeout;
        public TaskCompletionSource<object> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenSource? Expiry { get; set; }
        public CancellationTokenRegistration Abandon { get; set; }
        public bool Sent { get; set; }     // under the lanes' lock
        public bool Expired { get; set; }  // under the lanes' lock

        /// <summary>What is left of the caller's timeout (zero once it passed).</summary>
        public TimeSpan Left => Timeout - Stopwatch.GetElapsedTime(_asked) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

        /// <summary>Answered: its timer and cancellation hook are no longer needed.</summary>
        public void Done()
        {
            Expiry?.Dispose();
            Abandon.Dispose();
        }
    }

    private sealed class Lane
    {
        public readonly Queue<Waiting> Queue = new();
        public int InFlight;
    }

    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    public bool Takes(PredictRawRows block) => block.Columns > 0 && block.RowCount is > 0 and var n && n <= options.SmallRows &&
                                               block.Values.Length == n * block.Columns && AllFinite(block.Values);

    /// <summary>The caller's rows, alone or with other callers' queued for the same label; <paramref name="ct"/> cancelled
    /// before they leave keeps them unsent, and after it the caller stops waiting.</summary>
    public Task<object> SendAsync(PredictRawRows block, TimeSpan timeout, CancellationToken ct = default)
    {
        // A finite deadline is what the hedged send needs; a timer takes up to 24 days, as every duration setting does.
        if (timeout <= TimeSpan.Zero || timeout > AntiNex.Requests.DurationText.Max)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a predict timeout is positive and at most 24 days");
        var waiting = new Waiting(block, timeout);
        if (ct.CanBeCanceled) waiting.Abandon = ct.Register(() => GiveUp(waiting, ct));
        List<Waiting>? batch = null;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(block.ModelId, out var lane)) _lanes[block.ModelId] = lane = new Lane();
            lane.Queue.Enqueue(waiting);
            if (lane.InFlight < options.InFlightPerLabel) batch = Take(lane);
            else
            {
                // Queued: the timer runs from now; a caller sent at once has the send's own deadline, which is its own.
                waiting.Expiry = new CancellationTokenSource(timeout);
                waiting.Expiry.Token.Register(() => GiveUp(waiting, null));
            }
        }
        if (batch is not null) _ = Run(block.ModelId, batch);
        return waiting.Reply.Task;
    }

    /// <summary>The caller's time ran out (<paramref name="cancelled"/> null) or it went away: it hears so now. Still queued,
    /// its rows stay unsent; already sent, the batch goes on for the other callers.</summary>
    private void GiveUp(Waiting w, CancellationToken? cancelled)
    {
        bool sent;
        lock (_lanes)
        {
            sent = w.Sent;
            if (!sent) w.Expired = true;
        }
        if (cancelled is { } ct) w.Reply.TrySetCanceled(ct);
        else w.Reply.TrySetException(new TimeoutException($"no copy of '{w.Block.ModelId}' answered within {w.Timeout.TotalSeconds:F1} s" +
            (sent ? "" : " (queued behind the label's predicts in flight)")));
        if (w.Reply.Task.IsCompleted) w.Done();
    }

    /// <summary>Under the lock: the queued requests that leave together (same width, up to the row cap and what one remote
    /// message holds), skipping those that expired in the queue; null when none is left.</summary>
    private List<Waiting>? Take(Lane lane)
    {
        while (lane.Queue.TryPeek(out var head) && head.Expired) lane.Queue.Dequeue();
        if (lane.Queue.Count == 0) return null;
        var batch = new List<Waiting> { lane.Queue.Dequeue() };
        var rows = batch[0].Block.RowCount;
        var cap = Math.Min(options.MaxBatchRows, frame?.RowsPerMessage(batch[0].Block.Columns) ?? int.MaxValue);
        while (lane.Queue.TryPeek(out var next))
        {
            if (next.Expired)
            {
                lane.Queue.Dequeue();
                continue;
            }
            if (next.Block.Columns != batch[0].Block.Columns || rows + next.Block.RowCount > cap) break;
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
            await Answer(batch);
            foreach (var w in batch) w.Done();
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
            // The longest deadline of the batch: a caller with less time hears its own timeout meanwhile.
            var reply = await send(new PredictRawRows(batch[0].Block.ModelId, columns, values), batch.Max(w => w.Left));
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
            else
            {
                // Rows answered in another number than asked would hand one caller another's predictions: a failure for all.
                var failure = reply is RowsPredicted wrong
                    ? ModelFailed.Of(batch[0].Block.ModelId, "internal", $"a batch of {values.Length / columns} rows was answered with " +
                        $"{wrong.Values.Length} values")
                    : reply;
                foreach (var w in batch) w.Reply.TrySetResult(failure);
            }
        }
        catch (Exception ex)
        {
            foreach (var w in batch) w.Reply.TrySetException(ex);
        }
    }

    private static bool AllFinite(float[] values)
    {
        foreach (var v in values) if (!float.IsFinite(v)) return false;
        return true;
    }
}
