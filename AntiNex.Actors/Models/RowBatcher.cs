// Micro-batching of raw-row predicts inside an entity: rows are queued and drained by a message to self, so every
// predict already in the mailbox joins one PredictRaw call. No timer: no added latency when the entity is idle.
using System.Diagnostics;
using Akka.Actor;
using AntiNex.Learning;
using AntiNex.Observability;
using AntiNex.Requests;

namespace AntiNex.Models;

public sealed class RowBatcher(string label)
{
    private readonly List<(PredictRawRows Message, IActorRef ReplyTo)> _pending = [];
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

    /// <summary>Answers every queued predict: invalid rows are refused one by one (naming the row and feature), the
    /// valid ones are predicted in one call and each caller gets its own slice. Returns the rows predicted.</summary>
    public int Drain(TrainedModel? model, long version, string node)
    {
        _drainScheduled = false;
        if (_pending.Count == 0) return 0;
        var batch = _pending.ToArray();
        _pending.Clear();
        if (model is null)
        {
            foreach (var (_, replyTo) in batch)
                replyTo.Tell(ModelFailed.Of(label, "artifact", $"model '{label}' could not be loaded from its snapshot"));
            return 0;
        }
        var features = model.Summary.InputFeatures;
        var valid = new List<(PredictRawRows Message, IActorRef ReplyTo)>(batch.Length);
        foreach (var item in batch)
        {
            var error = Validate(item.Message.Rows, features);
            if (error is null) valid.Add(item);
            else item.ReplyTo.Tell(new ModelFailed(label, "bad-request", error.ToString(), [error], null));
        }
        if (valid.Count == 0) return 0;
        var rows = new List<double[]>(valid.Sum(v => v.Message.Rows.Length));
        foreach (var v in valid) rows.AddRange(v.Message.Rows);
        float[] values;
        var began = Stopwatch.GetTimestamp();
        try
        {
            values = model.PredictRaw(rows);
            AntiNexMetrics.RecordPredict(label, Stopwatch.GetElapsedTime(began).TotalMilliseconds, rows.Count);
        }
        catch (Exception ex)
        {
            foreach (var v in valid)
                v.ReplyTo.Tell(ModelFailed.Of(label, "internal", $"predict failed: {ex.GetType().Name}: {ex.Message}"));
            return 0;
        }
        var offset = 0;
        foreach (var v in valid)
        {
            var count = v.Message.Rows.Length;
            v.ReplyTo.Tell(new RowsPredicted(label, version, values.AsSpan(offset, count).ToArray(), node));
            offset += count;
        }
        return rows.Count;
    }

    public static RequestIssue? Validate(double[][] rows, IReadOnlyList<string> features)
    {
        if (rows.Length == 0) return new RequestIssue("rows", "no rows to predict");
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null || rows[i].Length != features.Count)
                return new RequestIssue($"rows[{i}]",
                    $"expected {features.Count} features ({string.Join(", ", features.Take(8))}{(features.Count > 8 ? ", ..." : "")}), " +
                    $"got {rows[i]?.Length ?? 0}");
            for (var j = 0; j < rows[i].Length; j++)
                if (!double.IsFinite(rows[i][j]))
                    return new RequestIssue($"rows[{i}][{j}]", $"feature '{features[j]}' is not a finite number");
        }
        return null;
    }
}

/// <summary>Told by an entity to itself to answer the queued raw-row predicts (local only).</summary>
public sealed record DrainRows
{
    public static readonly DrainRows Instance = new();
}
