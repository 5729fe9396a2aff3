// A raw-row predict of any size: the float32 block is cut into messages that fit the remote frame, a few are kept in
// flight (so the entity predicts one while the next travels), and the answers are put back in row order.
using System.Diagnostics;
using AntiNex.Models;
using AntiNex.Requests;

namespace AntiNex.Gateway.Cluster;

internal sealed class ChunkedRows(Func<PredictRawRows, TimeSpan, Task<object>> send, FrameBudget budget)
{
    /// <summary>Messages in flight per request: enough to overlap transport and prediction, few enough to stay fair.</summary>
    public const int InFlight = 4;

    /// <summary>Once <paramref name="ct"/> is cancelled (the caller went away) no further message is sent; the messages in
    /// flight are let finish, and the reply is a "cancelled" failure unless every row had already been sent.</summary>
    public async Task<object> SendAsync(PredictRawRows block, TimeSpan timeout, Action<int>? progress = null, CancellationToken ct = default)
    {
        int columns = block.Columns, rows = block.RowCount;
        // Malformed blocks go as they are: the entity names the problem (same answer as any small request).
        if (columns <= 0 || rows == 0 || block.Values.Length % columns != 0) return await send(block, timeout);
        var perMessage = budget.RowsPerMessage(columns);
        if (perMessage == 0)
        {
            var message = $"one row of {columns} features does not fit a cluster message ({budget.PayloadBytes:N0} bytes)";
            return new ModelFailed(block.ModelId, "too-large", message, [new RequestIssue("rows", message)], null);
        }
        if (rows <= perMessage)
        {
            var reply = await send(block, timeout);
            if (reply is RowsPredicted) progress?.Invoke(rows);
            return reply;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var values = new float[rows];
        int next = 0, sent = 0;
        bool stopped = false;
        long version = -1, oldest = long.MaxValue;
        string? node = null;
        object? failure = null;
        var gate = new object();

        async Task Worker()
        {
            while (Volatile.Read(ref failure) is null)
            {
                if (ct.IsCancellationRequested)
                {
                    Volatile.Write(ref stopped, true);
                    return;
                }
                var start = Interlocked.Add(ref next, perMessage) - perMessage;
                if (start >= rows) return;
                var count = Math.Min(perMessage, rows - start);
                Interlocked.Add(ref sent, count);
                var chunk = block.Values.AsSpan(start * columns, count * columns).ToArray();
                var left = TimeSpan.FromSeconds((deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
                object reply;
                try
                {
                    reply = left > TimeSpan.Zero
                        ? await send(new PredictRawRows(block.ModelId, columns, chunk), left)
                        : throw new TimeoutException($"rows {start}..{start + count - 1} of '{block.ModelId}' got no answer in time");
                }
                catch (Exception ex) when (ex is TimeoutException or Akka.Actor.AskTimeoutException)
                {
                    reply = ModelFailed.Of(block.ModelId, "timeout", ex.Message);
                }
                if (reply is RowsPredicted r && r.Values.Length == count)
                {
                    r.Values.CopyTo(values, start);
                    lock (gate)
                    {
                        if (r.Version > version) { version = r.Version; node = r.Node; }
                        oldest = Math.Min(oldest, r.Version);
                    }
                    progress?.Invoke(count);
                }
                else Interlocked.CompareExchange(ref failure, Relabel(reply, block.ModelId, start, count), null);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => Worker()));
        if (failure is null && stopped && sent < rows) return Cancelled(block.ModelId, sent, rows);
        if (failure is null && oldest < version) return ChangedVersion(block.ModelId, oldest, version);
        return failure ?? new RowsPredicted(block.ModelId, version, values, node ?? "");
    }

    /// <summary>A large predict whose pieces were answered by two versions (a training landed meanwhile): one reply never
    /// mixes two models' answers.</summary>
    public static ModelFailed ChangedVersion(string modelId, long oldest, long newest)
        => ModelFailed.Of(modelId, "busy", $"model '{modelId}' changed version during the request (rows answered by versions {oldest} " +
            $"and {newest}); retry");

    /// <summary>The reply of a large predict whose caller went away before its last rows were sent.</summary>
    public static ModelFailed Cancelled(string modelId, int sent, int rows)
        => ModelFailed.Of(modelId, "cancelled", $"stopped after sending {sent:N0} of {rows:N0} rows: the caller went away");

    /// <summary>A chunk's refusal, with its row numbers made absolute (rows[3][1] of the chunk at 5000 is rows[5003][1]).</summary>
    private static ModelFailed Relabel(object reply, string modelId, int start, int count)
    {
        // Anything but a refusal (an answer of the wrong length, another reply type) is a failure too, never a success.
        if (reply is not ModelFailed f)
            return ModelFailed.Of(modelId, "internal", $"rows {start}..{start + count - 1}: " + (reply is RowsPredicted partial
                ? $"answered {partial.Values.Length} values for {count} rows" : $"unexpected answer {reply.GetType().Name}"));
        static string Shift(string field, int start)
        {
            if (!field.StartsWith("rows[", StringComparison.Ordinal)) return field;
            var end = field.IndexOf(']');
            return end > 5 && int.TryParse(field.AsSpan(5, end - 5), out var i) ? $"rows[{i + start}{field[end..]}" : field;
        }
        var issues = f.Issues.Select(i => i with { Field = Shift(i.Field, start) }).ToList();
        var message = issues.Count > 0 ? string.Join("; ", issues.Select(i => i.ToString())) : $"rows {start}..{start + count - 1}: {f.Message}";
        return f with { Issues = issues, Message = message };
    }
}
