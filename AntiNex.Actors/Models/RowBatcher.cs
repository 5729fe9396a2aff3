// Micro-batching of raw-row predicts inside an entity: rows are queued and drained by a message to self, so every
// predict already in the mailbox joins one PredictRows call. No timer: no added latency when the entity is idle.
// Rows stay float32 blocks end to end: the queued blocks are copied once into a pooled buffer and scored as one block,
// so nothing is allocated per row.
using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using Akka.Actor;
using AntiNex.Learning;
using AntiNex.Observability;
using AntiNex.Requests;

namespace AntiNex.Models;

public sealed class RowBatcher(string label)
{
    private readonly List<(PredictRawRows Message, IActorRef ReplyTo)> _pending = [];
    private readonly List<(PredictRawRows Message, IActorRef ReplyTo)> _valid = [];
    private bool _drainScheduled;

    public bool IsEmpty => _pending.Count == 0;

    /// <summary>Queues the rows; true when the caller must send itself <see cref="DrainRows"/> (one per batch).</summary>
    public bool Add(PredictRawRows message, IActorRef replyTo)
    {
        _pending.Add((message, replyTo));
        if (_drainScheduled) return false;
        _drainScheduled = true;
        return true;
    }

    /// <summary>Answers every queued predict: invalid blocks are refused one by one (naming the row and feature), the
    /// valid ones are predicted in one call and each caller gets its own slice. Returns the rows predicted.</summary>
    public int Drain(TrainedModel? model, long version, string node)
    {
        _drainScheduled = false;
        if (_pending.Count == 0) return 0;
        if (model is null)
        {
            foreach (var (_, replyTo) in _pending)
                replyTo.Tell(ModelFailed.Of(label, "artifact", $"model '{label}' could not be loaded from its snapshot"));
            _pending.Clear();
            return 0;
        }
        var features = model.Summary.InputFeatures;
        _valid.Clear();
        var total = 0;
        foreach (var item in _pending)
        {
            var error = Validate(item.Message, features);
            if (error is null) { _valid.Add(item); total += item.Message.RowCount; }
            else item.ReplyTo.Tell(new ModelFailed(label, "bad-request", error.ToString(), [error], null));
        }
        _pending.Clear();
        if (_valid.Count == 0) return 0;
        var columns = features.Count;
        // One block: predicted in place. Several: copied once into a pooled buffer.
        float[]? rented = null;
        var block = _valid[0].Message.Values;
        if (_valid.Count > 1)
        {
            rented = ArrayPool<float>.Shared.Rent(total * columns);
            var at = 0;
            foreach (var v in _valid)
            {
                v.Message.Values.AsSpan(0, v.Message.RowCount * columns).CopyTo(rented.AsSpan(at));
                at += v.Message.RowCount * columns;
            }
            block = rented;
        }
        float[] values;
        var began = Stopwatch.GetTimestamp();
        try
        {
            values = model.PredictRows(block, 0, total, columns);
            AntiNexMetrics.RecordPredict(label, Stopwatch.GetElapsedTime(began).TotalMilliseconds, total);
        }
        catch (Exception ex)
        {
            foreach (var v in _valid)
                v.ReplyTo.Tell(ModelFailed.Of(label, "internal", $"predict failed: {ex.GetType().Name}: {ex.Message}"));
            _valid.Clear();
            return 0;
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
        if (_valid.Count == 1) _valid[0].ReplyTo.Tell(new RowsPredicted(label, version, values, node));
        else
        {
            var offset = 0;
            foreach (var v in _valid)
            {
                var count = v.Message.RowCount;
                v.ReplyTo.Tell(new RowsPredicted(label, version, values.AsSpan(offset, count).ToArray(), node));
                offset += count;
            }
        }
        _valid.Clear();
        return total;
    }

    /// <summary>The block's shape against the model's features, and every value finite: the first problem, naming the
    /// row and the feature, or null.</summary>
    public static RequestIssue? Validate(PredictRawRows block, IReadOnlyList<string> features)
    {
        if (block.Columns < 0) return new RequestIssue("rows", "rows have different lengths: every row needs one value per feature");
        if (block.Values.Length == 0) return new RequestIssue("rows", "no rows to predict");
        if (block.Columns != features.Count)
            return new RequestIssue("rows[0]",
                $"expected {features.Count} features ({string.Join(", ", features.Take(8))}{(features.Count > 8 ? ", ..." : "")}), " +
                $"got {block.Columns}");
        if (block.Values.Length % block.Columns != 0)
            return new RequestIssue("rows", $"{block.Values.Length} values are not whole rows of {block.Columns} features");
        var k = FirstNonFinite(block.Values);
        return k < 0 ? null : new RequestIssue($"rows[{k / block.Columns}][{k % block.Columns}]",
            $"feature '{features[k % block.Columns]}' is not a finite number");
    }

    /// <summary>Index of the first NaN or infinity, or -1. A vector at a time (x - x is 0 only for finite x), then the
    /// values of the vector that failed (and the tail) one at a time.</summary>
    internal static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(values[i..]);
            if (!Vector.EqualsAll(v - v, Vector<float>.Zero)) break;
        }
        for (; i < values.Length; i++) if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}

/// <summary>Told by an entity to itself to answer the queued raw-row predicts (local only).</summary>
public sealed record DrainRows
{
    public static readonly DrainRows Instance = new();
}
