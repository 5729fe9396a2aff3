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
    /// <summary>A caller's request; its deadline counts from when it asked, not from when its batch leaves the queue.</summary>
    private sealed record Waiting(PredictRawRows Block, TimeSpan Timeout, TaskCompletionSource<object> Reply)
    {
        private readonly long _asked = Stopwatch.GetTimestamp();

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
        var waiting = new Waiting(block, timeout, new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously));
        List<Waiting>? batch = null;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(block.ModelId, out var lane)) _lanes[block.ModelId] = lane = new Lane();
            lane.Queue.Enqueue(waiting);
            if (lane.InFlight < options.InFlightPerLabel) batch = Take(lane);
        }
        if (batch is not null) _ = Run(block.ModelId, batch);
        // The caller's own deadline, while its request waits behind others in the queue.
        return waiting.Reply.Task.WaitAsync(timeout);
    }

    /// <summary>Under the lock: the queued requests that leave together (same width, up to the row cap).</summary>
    private List<Waiting> Take(Lane lane)
    {
        var batch = new List<Waiting> { lane.Queue.Dequeue() };
        var rows = batch[0].Block.RowCount;
        while (lane.Queue.TryPeek(out var next) && next.Block.Columns == batch[0].Block.Columns &&
               rows + next.Block.RowCount <= options.MaxBatchRows)
        {
            batch.Add(lane.Queue.Dequeue());
            rows += next.Block.RowCount;
        }
        lane.InFlight++;
        return batch;
    }

    private async Task Run(string modelId, List<Waiting> first)
    {
        for (List<Waiting>? batch = first; batch is not null;)
        {
            await Answer(batch);
            lock (_lanes)
            {
                var lane = _lanes[modelId];
                lane.InFlight--;
                batch = lane.Queue.Count > 0 ? Take(lane) : null;
                if (batch is null && lane.InFlight == 0) _lanes.Remove(modelId);
            }
        }
    }

    private async Task Answer(List<Waiting> batch)
    {
        // Callers whose time ran out in the queue have their TimeoutException already: their rows are not sent.
        foreach (var w in batch.Where(w => w.Left == TimeSpan.Zero)) w.Reply.TrySetCanceled();
        batch = batch.Where(w => !w.Reply.Task.IsCompleted).ToList();
        if (batch.Count == 0) return;
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

    private static TimeSpan Longest(List<Waiting> batch)
        => batch.Any(w => w.Left == Timeout.InfiniteTimeSpan) ? Timeout.InfiniteTimeSpan : batch.Max(w => w.Left);

    private static bool AllFinite(float[] values)
    {
        foreach (var v in values) if (!float.IsFinite(v)) return false;
        return true;
    }
}
