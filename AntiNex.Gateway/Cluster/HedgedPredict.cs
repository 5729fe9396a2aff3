// Predicts that do not fail while some copy of the label's current version is alive. The first attempt goes to the
// writer (through the shard region) or, when the writer's node is unreachable or lately slow, to a replica; when no
// answer comes within the hedge delay, the same request also goes to the next copy, and so on until the deadline.
// The first good answer wins. Bad requests, unknown labels and the writer's other final refusals fail at once with its
// error; an answer from a version older than the newest seen is never returned.
using System.Diagnostics;
using Akka.Actor;
using AntiNex.Models;
using AntiNex.Replicas;

namespace AntiNex.Gateway.Cluster;

public sealed record HedgeOptions
{
    /// <summary>No answer within this: ask the next copy as well, and suspect a writer that missed it. Small predicts
    /// hedge sooner, at <see cref="HedgePercentile"/> of recent answer times (see <see cref="AdaptiveHedge"/>).</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(150);
    /// <summary>Small predicts: hedge once a request has waited longer than this share of recent answers; 0 turns
    /// the adaptive delay off (small predicts then wait <see cref="Delay"/> too).</summary>
    public double HedgePercentile { get; init; } = 0.95;
    /// <summary>The adaptive delay never goes below this (timers are not finer than about a millisecond).</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromMilliseconds(1);
    /// <summary>At most this share of small requests per second are hedged; beyond it they wait <see cref="Delay"/>.</summary>
    public double MaxHedgeShare { get; init; } = 0.1;
    /// <summary>Added to the delay per row of a raw-row block: a 80,000-row block takes a copy well over 150 ms to
    /// predict, and asking again before it could have answered only doubles the work.</summary>
    public TimeSpan PerRow { get; init; } = TimeSpan.FromMicroseconds(20);
    /// <summary>A copy still working on the request is not asked again before this (nor before 4 hedge delays): when it
    /// is the only copy, asking it twice only doubles its work.</summary>
    public TimeSpan ResendSameAfter { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>A writer that missed the hedge delay is asked second for this long.</summary>
    public TimeSpan SuspectFor { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The defaults, with ANTINEX_HEDGE_PERCENTILE (0-0.999; 0 = small predicts wait the fixed delay too).</summary>
    public static HedgeOptions FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable("ANTINEX_HEDGE_PERCENTILE");
        if (string.IsNullOrWhiteSpace(text)) return new HedgeOptions();
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p)
            || p is < 0 or >= 1)
            throw new ArgumentException($"ANTINEX_HEDGE_PERCENTILE: '{text}' is not a share between 0 and 0.999");
        return new HedgeOptions { HedgePercentile = p };
    }
    /// <summary>Blocks of at least this many rows wait this many times the label's recent time per row before a hedge
    /// (a loaded node answers a big block later than <see cref="PerRow"/> allows; asking a second copy then doubles the
    /// work on every copy), at most <see cref="MaxBlockDelay"/>.</summary>
    public int MeasuredFromRows { get; init; } = 1_000;
    public double MeasuredFactor { get; init; } = 3;
    public TimeSpan MaxBlockDelay { get; init; } = TimeSpan.FromSeconds(5);
}

internal sealed class HedgedPredict(IActorRef region, CopyTable table, HedgeOptions options)
{
    private readonly AdaptiveHedge _adaptive = new(options);

    // Answers that end the request at once, from the writer (a bad request from any copy): the request itself is wrong,
    // the label has no model, the caller may not have it trained first, or its stored model is refused as altered.
    private static readonly HashSet<string> Final = ["bad-request", "not-trained", "forbidden", "integrity"];
    private readonly BlockHedge _blocks = new(options);

    public async Task<object> SendAsync(IModelCommand command, TimeSpan timeout)
    {
        var id = command.ModelId;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var replicas = table.Current(id);
        var writerFirst = !table.WriterSuspect(id) || replicas.Count == 0;
        var plan = new Queue<ReplicaCopy?>(writerFirst ? replicas.Prepend(null) : replicas.Append(null)); // null = the writer
        var pending = new List<(Task<object> Task, ReplicaCopy? Copy, long Sent)>();
        var small = options.HedgePercentile > 0 && AdaptiveHedge.IsSmall(command);
        var started = Stopwatch.GetTimestamp();
        var delay = small ? _adaptive.Delay : command is PredictRawRows block ? _blocks.Delay(block) : options.Delay;
        object? lastFailure = null;

        TimeSpan Remaining() => TimeSpan.FromSeconds((deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);

        void Launch()
        {
            var remaining = Remaining();
            if (remaining <= TimeSpan.Zero) return;
            // Every copy tried: start over (the writer may be back on another node, a replica may have loaded).
            if (plan.Count == 0) foreach (var c in table.Current(id).Prepend(null)) plan.Enqueue(c);
            var copy = plan.Peek();
            var resendAfter = Stopwatch.Frequency * Math.Max(options.ResendSameAfter.TotalSeconds, 4 * delay.TotalSeconds);
            if (pending.Any(p => Equals(p.Copy, copy) && Stopwatch.GetTimestamp() - p.Sent < resendAfter)) return;
            plan.Dequeue();
            var target = copy is null ? region : copy.Keeper;
            pending.Add((target.Ask<object>(command, remaining), copy, Stopwatch.GetTimestamp()));
        }

        // After a failed answer, a copy not yet tried is asked at once; once every copy has been tried, the next round
        // waits for the hedge delay (a writer whose store is down would otherwise be asked again and again).
        void Retry()
        {
            if (pending.Count == 0 && plan.Count > 0) Launch();
        }

        Launch();
        while (true)
        {
            var remaining = Remaining();
            if (remaining <= TimeSpan.Zero)
                return lastFailure ?? throw new TimeoutException($"no copy of '{id}' answered within {timeout.TotalSeconds:F1} s");
            var done = await FirstAnswerWithin(pending, remaining < delay ? remaining : delay).ConfigureAwait(false);
            if (done is null)
            {
                // A writer is suspect only when it missed the fixed delay, not a small request's early hedge.
                var now = Stopwatch.GetTimestamp();
                if (pending.Any(p => p.Copy is null && Stopwatch.GetElapsedTime(p.Sent, now) >= options.Delay))
                    table.SuspectWriter(id, options.SuspectFor);
                var before = pending.Count;
                Launch();
                if (small)
                {
                    if (pending.Count > before) _adaptive.Hedged();
                    delay = options.Delay; // after the first early hedge, later copies are asked at the fixed delay
                }
                continue;
            }
            var attempt = pending.First(p => p.Task == done);
            pending.Remove(attempt);
            if (!done.IsCompletedSuccessfully)
            {
                Retry();
                continue;
            }
            var result = attempt.Task.Result;
            switch (result)
            {
                // The writer's answer is the label's truth even when older than a version seen before (a refused or lost
                // snapshot puts it back on the previous good one): taken, and the newest version follows it down.
                case RowsPredicted r when attempt.Copy is null || r.Version >= table.Newest(id):
                    Settle(table, id, r.Version, attempt.Copy is null);
                    if (small) _adaptive.Answered(Stopwatch.GetElapsedTime(started));
                    if (command is PredictRawRows answered) _blocks.Answered(answered, Stopwatch.GetElapsedTime(attempt.Sent));
                    return r;
                case Predicted p when attempt.Copy is null || p.Version >= table.Newest(id):
                    Settle(table, id, p.Version, attempt.Copy is null);
                    if (small) _adaptive.Answered(Stopwatch.GetElapsedTime(started));
                    return p;
                case RowsPredicted or Predicted: // an older version than one already seen: never returned
                    Retry();
                    continue;
                // The writer's refusal is final. A replica's is not: it may still serve a version with other features than the
                // writer's (a training this gateway has not heard of yet), so the writer, asked first, has the last word.
                case ModelFailed f when Final.Contains(f.Code) && attempt.Copy is null:
                    return f;
                case ModelFailed f:
                    // no-copy, a replica's not-trained, artifact/internal trouble on one copy: another copy may answer.
                    if (f.Code != ReplicaKeeper.NoCopy) lastFailure = f;
                    Retry();
                    continue;
                default:
                    return result;
            }
        }
    }

    private static void Settle(CopyTable table, string id, long version, bool fromWriter)
    {
        if (fromWriter) table.WriterServes(id, version);
        else table.Observe(id, version);
    }

    // The hedge wait: a timeout on the awaited answer itself (WaitAsync drops its timer as soon as the answer comes),
    // not a free-standing Task.Delay per request, whose timer would outlive the answer and fire for nothing on a pool
    // thread: at thousands of requests a second those late wake-ups were a visible share of the single-row tail.
    private static async Task<Task<object>?> FirstAnswerWithin(List<(Task<object> Task, ReplicaCopy? Copy, long Sent)> pending,
        TimeSpan wait)
    {
        if (pending.Count == 0)
        {
            await Task.Delay(wait).ConfigureAwait(false);
            return null;
        }
        Task any = pending.Count == 1 ? pending[0].Task : Task.WhenAny(pending.Select(p => p.Task));
        await any.WaitAsync(wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var p in pending)
            if (p.Task.IsCompleted) return p.Task;
        return null;
    }
}
