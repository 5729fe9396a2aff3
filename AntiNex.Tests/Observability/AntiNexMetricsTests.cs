using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AntiNex.Observability;

namespace AntiNex.Tests.Observability;

public class AntiNexMetricsTests
{
    /// <summary>Collects every measurement of the "AntiNex" meter, as an exporter would see it.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        public ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> Seen { get; } = new();

        public Recorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == AntiNexMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        private void Add(Instrument i, double v, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags) d[t.Key] = t.Value;
            Seen.Enqueue((i.Name, v, d));
        }

        public void Observe() => _listener.RecordObservableInstruments();

        // Other tests may use the static meter in parallel: look only at our own (uniquely labelled) measurements.
        public double Sum(string instrument, string? model = null) => Seen
            .Where(m => m.Instrument == instrument && (model is null || Equals(m.Tags.GetValueOrDefault("model"), model)))
            .Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public void Model_tags_stop_growing_at_their_bound_and_later_labels_share_one_series()
    {
        var tags = new BoundedTags(3);
        Assert.Equal(["a", "b", "c", BoundedTags.Other, BoundedTags.Other], new[] { "a", "b", "c", "d", "e" }.Select(tags.Of));
        Assert.Equal("b", tags.Of("b")); // a label tagged before keeps its series
        var parallel = new BoundedTags(50);
        Parallel.For(0, 1000, i => parallel.Of($"label-{i}"));
        Assert.Equal(50, Enumerable.Range(0, 1000).Count(i => parallel.Of($"label-{i}") != BoundedTags.Other));
    }

    [Fact]
    public void Predict_latency_and_rows_are_recorded_per_model()
    {
        using var recorder = new Recorder();
        var label = $"metrics-{Guid.NewGuid():N}";
        AntiNexMetrics.RecordPredict(label, 1.5, rows: 10);
        using (AntiNexMetrics.TimePredict(label)) Thread.Sleep(5);
        AntiNexMetrics.RecordPredictError(label, "no-model");

        var latencies = recorder.Seen.Where(m => m.Instrument == "antinex.predict.duration" && Equals(m.Tags["model"], label))
            .Select(m => m.Value).ToList();
        Assert.Equal(2, latencies.Count);
        Assert.Equal(1.5, latencies[0]);
        Assert.InRange(latencies[1], 4, 5_000);
        Assert.Equal(11, recorder.Sum("antinex.predict.rows", label));
        Assert.Equal(1, recorder.Sum("antinex.predict.errors", label));
    }

    [Fact]
    public void Training_lifecycle_and_model_residency_balance_out()
    {
        using var recorder = new Recorder();
        AntiNexMetrics.SetTrainingSlots(3);
        AntiNexMetrics.QueueDepthChanged(+1);
        AntiNexMetrics.QueueDepthChanged(-1);
        AntiNexMetrics.TrainingStarted();
        AntiNexMetrics.TrainingFinished(2.5, "success");
        AntiNexMetrics.ModelLoaded();
        AntiNexMetrics.ModelUnloaded(evicted: true);
        AntiNexMetrics.ModelRecovered(12.0);
        AntiNexMetrics.SnapshotSaved(4096);
        recorder.Observe();

        var names = recorder.Seen.Select(m => m.Instrument).ToHashSet();
        foreach (var name in new[] { "antinex.training.queue.depth", "antinex.training.active", "antinex.train.duration",
                     "antinex.models.loaded", "antinex.models.evicted", "antinex.models.recovered",
                     "antinex.model.load.duration", "antinex.snapshot.size", "antinex.training.slots" })
            Assert.Contains(name, names);

        var train = recorder.Seen.Single(m => m.Instrument == "antinex.train.duration" && m.Value == 2.5);
        Assert.Equal("success", train.Tags["outcome"]);
        Assert.Contains(recorder.Seen, m => m.Instrument == "antinex.training.slots" && m.Value == 3);
        Assert.Contains(recorder.Seen, m => m.Instrument == "antinex.snapshot.size" && m.Value == 4096);
    }
}
