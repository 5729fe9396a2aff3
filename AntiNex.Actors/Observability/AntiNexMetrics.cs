using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AntiNex.Observability;

/// <summary>
/// The product's metrics, on the System.Diagnostics.Metrics meter "AntiNex" (exported by OpenTelemetry in the node:
/// console, OTLP or Prometheus, see AntiNex.Node/Observability/TelemetrySetup.cs). The actors call these methods at
/// the points named in each summary. Cheap and thread-safe: with no listener attached, each call is a few branches.
/// Instrument names follow OpenTelemetry conventions (dotted, unit in the metadata, not in the name).
/// </summary>
public static class AntiNexMetrics
{
    public const string MeterName = "AntiNex";

    private static readonly Meter Meter = new(MeterName, typeof(AntiNexMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Histogram<double> PredictDuration = Meter.CreateHistogram<double>(
        "antinex.predict.duration", "ms", "Time to answer one predict request inside the model entity (warm model).");
    private static readonly Counter<long> PredictRows = Meter.CreateCounter<long>(
        "antinex.predict.rows", "{row}", "Rows predicted.");
    private static readonly Counter<long> PredictErrors = Meter.CreateCounter<long>(
        "antinex.predict.errors", "{request}", "Predict requests answered with an error.");

    private static readonly Histogram<double> TrainDuration = Meter.CreateHistogram<double>(
        "antinex.train.duration", "s", "Wall time of one training (load, cross-validation, fit, evaluation).");
    private static readonly UpDownCounter<long> TrainingActive = Meter.CreateUpDownCounter<long>(
        "antinex.training.active", "{training}", "Trainings running now (node-wide training concurrency in use).");
    private static readonly UpDownCounter<long> TrainingQueued = Meter.CreateUpDownCounter<long>(
        "antinex.training.queue.depth", "{request}", "Train requests waiting for a free training slot.");

    private static readonly UpDownCounter<long> ModelsLoaded = Meter.CreateUpDownCounter<long>(
        "antinex.models.loaded", "{model}", "Trained models held in memory on this node.");
    private static readonly Counter<long> ModelsEvicted = Meter.CreateCounter<long>(
        "antinex.models.evicted", "{model}", "Models unloaded to respect the per-node budget (they reload from Redis on use).");
    private static readonly Counter<long> ModelsRecovered = Meter.CreateCounter<long>(
        "antinex.models.recovered", "{model}", "Models restored from their Redis snapshot (after a crash, rebalance, passivation or eviction).");
    private static readonly Histogram<double> ModelLoadDuration = Meter.CreateHistogram<double>(
        "antinex.model.load.duration", "ms", "Cold path: snapshot read + network rebuild, reported apart from predict latency.");
    private static readonly Histogram<long> SnapshotSize = Meter.CreateHistogram<long>(
        "antinex.snapshot.size", "By", "Size of each model snapshot written to Redis.");

    private static int _trainingSlots;

    static AntiNexMetrics()
    {
        Meter.CreateObservableGauge("antinex.training.slots", () => Volatile.Read(ref _trainingSlots), "{training}",
            "Configured node-wide training concurrency (the ceiling of antinex.training.active).");
    }

    /// <summary>Labels that get a series of their own, per process; later ones share <see cref="BoundedTags.Other"/>. Labels
    /// are user input: each would add a dozen series kept for the process's life, and past the exporter's own limit
    /// per-model figures would silently fold together.</summary>
    public const int MaxTaggedModels = 200;
    private static BoundedTags _models = new(MaxTaggedModels);

    /// <summary>For a test process, which serves far more labels than any node and reads their figures one by one.</summary>
    internal static void LimitModelTags(int max) => _models = new BoundedTags(max);

    private static KeyValuePair<string, object?> Model(string label) => new("model", _models.Of(label));

    /// <summary>The "model" tag value for a label, within the same bound (for counters kept outside this class).</summary>
    internal static string ModelTag(string label) => _models.Of(label);

    /// <summary>A predict request answered: <paramref name="milliseconds"/> inside the entity, <paramref name="rows"/> rows.</summary>
    public static void RecordPredict(string label, double milliseconds, int rows = 1)
    {
        PredictDuration.Record(milliseconds, Model(label));
        PredictRows.Add(rows, Model(label));
    }

    /// <summary>A predict request answered with an error; <paramref name="reason"/> is a short fixed word (e.g. "no-model", "bad-request").</summary>
    public static void RecordPredictError(string label, string reason) =>
        PredictErrors.Add(1, Model(label), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A train request waits for a slot (+1) or leaves the queue (-1).</summary>
    public static void QueueDepthChanged(int delta) => TrainingQueued.Add(delta);

    /// <summary>A training got its slot and starts running.</summary>
    public static void TrainingStarted() => TrainingActive.Add(1);

    /// <summary>A training ended; <paramref name="outcome"/>: "success", "failed" or "cancelled".</summary>
    public static void TrainingFinished(double seconds, string outcome = "success")
    {
        TrainingActive.Add(-1);
        TrainDuration.Record(seconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>The node's configured training concurrency (reported as a gauge).</summary>
    public static void SetTrainingSlots(int slots) => Volatile.Write(ref _trainingSlots, slots);

    /// <summary>A model is now in memory (trained here, or restored).</summary>
    public static void ModelLoaded() => ModelsLoaded.Add(1);

    /// <summary>A model left memory; <paramref name="evicted"/> when the per-node budget pushed it out (LRU), not idle passivation.</summary>
    public static void ModelUnloaded(bool evicted)
    {
        ModelsLoaded.Add(-1);
        if (evicted) ModelsEvicted.Add(1);
    }

    /// <summary>A model came back from its Redis snapshot; <paramref name="milliseconds"/> = snapshot read + rebuild.</summary>
    public static void ModelRecovered(double? milliseconds = null)
    {
        ModelsRecovered.Add(1);
        if (milliseconds is double ms) ModelLoadDuration.Record(ms);
    }

    /// <summary>A snapshot of <paramref name="bytes"/> bytes was written.</summary>
    public static void SnapshotSaved(long bytes) => SnapshotSize.Record(bytes);

    /// <summary>Times a block and records it as predict latency: <c>using (AntiNexMetrics.TimePredict(label)) { ... }</c>.</summary>
    public static PredictTimer TimePredict(string label, int rows = 1) => new(label, rows, Stopwatch.GetTimestamp());

    public readonly struct PredictTimer(string label, int rows, long started) : IDisposable
    {
        public void Dispose() => RecordPredict(label, Stopwatch.GetElapsedTime(started).TotalMilliseconds, rows);
    }
}

/// <summary>Tag values of one tag, kept to the first <paramref name="max"/> distinct ones (thread-safe; never shrinks).</summary>
internal sealed class BoundedTags(int max)
{
    public const string Other = "(other)";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _seen = new();
    private volatile bool _full;

    public string Of(string value)
    {
        if (_seen.ContainsKey(value)) return value;
        if (_full) return Other; // the hot path once full: no lock
        lock (_seen)
        {
            if (_seen.Count >= max) _full = true;
            else _seen.TryAdd(value, 0);
        }
        return _seen.ContainsKey(value) ? value : Other;
    }
}
