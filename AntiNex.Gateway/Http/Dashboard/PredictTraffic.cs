using System.Diagnostics;
using System.Diagnostics.Metrics;
using AntiNex.Gateway.Http.Auth;

namespace AntiNex.Gateway.Http.Dashboard;

/// <summary>
/// Predict rate and latency as this gateway sees them, over the last minute: it listens to ASP.NET Core's own
/// request-duration instrument (http.server.request.duration) and keeps the predict routes (/api/predict and the
/// inference protocol's .../infer). Measured at the HTTP edge, so it includes the trip through the cluster. Each request
/// carries the model it used (<see cref="Caller.ModelTag"/>, set once the key was allowed it), so a key limited to some
/// labels sees the traffic of those models only.
/// </summary>
public sealed class PredictTraffic : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxKept = 200_000; // bounds the latency samples under a flood; older ones go first
    private const int Seconds = 60; // the window in one-second counters: rates and error counts are exact at any rate

    private readonly MeterListener _listener = new();
    private readonly Queue<(long At, double Ms, bool Error, string? Model)> _samples = new();
    private readonly object _gate = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly long[] _secondOf = new long[Seconds];
    private readonly int[] _requests = new int[Seconds];
    private readonly int[] _errors = new int[Seconds];

    /// <param name="scope">The application's IMeterFactory: only its instruments are read (tests may host several apps).</param>
    public PredictTraffic(object? scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument is { Name: "http.server.request.duration", Meter.Name: "Microsoft.AspNetCore.Hosting" }
                && (scope is null || ReferenceEquals(instrument.Meter.Scope, scope)))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.Start();
    }

    public static bool IsPredictRoute(string? route)
        => route is not null && (route == "/api/predict" || route.EndsWith("/infer", StringComparison.Ordinal));

    private void OnDuration(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? route = null, model = null;
        int status = 0;
        foreach (var tag in tags)
        {
            if (tag.Key == "http.route") route = tag.Value as string;
            else if (tag.Key == "http.response.status_code" && tag.Value is int code) status = code;
            else if (tag.Key == Caller.ModelTag) model = tag.Value as string;
        }
        if (IsPredictRoute(route)) Record(seconds * 1000.0, status >= 400, model);
    }

    /// <param name="model">The model the request used; null when it never named one the key may use (a malformed body).</param>
    internal void Record(double milliseconds, bool error, string? model = null)
    {
        var at = Stopwatch.GetTimestamp();
        var second = SecondOf(at);
        var slot = (int)(second % Seconds);
        lock (_gate)
        {
            _samples.Enqueue((at, milliseconds, error, model));
            if (_samples.Count > MaxKept) _samples.Dequeue();
            if (_secondOf[slot] != second) (_secondOf[slot], _requests[slot], _errors[slot]) = (second, 0, 0);
            _requests[slot]++;
            if (error) _errors[slot]++;
        }
    }

    private long SecondOf(long timestamp) => (long)Stopwatch.GetElapsedTime(_started, timestamp).TotalSeconds;

    /// <summary>Requests per second, p50/p99 latency (answered requests, errors included) and errors in the window, of
    /// the models the key's pattern allows. Every model: exact counts at any rate. Some models: counted from the kept
    /// latency samples, the newest <see cref="MaxKept"/> of the window, so exact up to that many requests a minute.</summary>
    public PredictTrafficView Snapshot(LabelPattern? pattern = null)
    {
        var now = Stopwatch.GetTimestamp();
        var every = pattern is null || pattern.AllowsEvery;
        (long At, double Ms, bool Error, string? Model)[] kept;
        int requests = 0, errors = 0;
        var current = SecondOf(now);
        lock (_gate)
        {
            while (_samples.Count > 0 && Stopwatch.GetElapsedTime(_samples.Peek().At, now) > Window) _samples.Dequeue();
            kept = _samples.ToArray();
            for (var i = 0; i < Seconds && every; i++)
                if (current - _secondOf[i] < Seconds && (_requests[i] > 0 || _errors[i] > 0))
                    (requests, errors) = (requests + _requests[i], errors + _errors[i]);
        }
        // The pattern is matched outside the lock, once per model: recording never waits for a filtered view.
        var allowed = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Counted(string? model) => every || (model is not null
            && (allowed.TryGetValue(model, out var yes) ? yes : allowed[model] = pattern!.Allows(model)));
        var counted = kept.Where(s => Counted(s.Model)).ToArray();
        if (!every) (requests, errors) = (counted.Length, counted.Count(s => s.Error));
        var latencies = counted.Select(s => s.Ms).Order().ToArray();
        var seconds = Math.Min(Window.TotalSeconds, Math.Max(1.0, Stopwatch.GetElapsedTime(_started, now).TotalSeconds));
        return new PredictTrafficView(Window.TotalSeconds, every ? "*" : pattern!.Text, requests, requests / seconds,
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), errors);
    }

    private static double? Percentile(double[] sorted, double p)
        => sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public void Dispose() => _listener.Dispose();
}

/// <param name="Labels">The labels counted: "*" for every model, else the key's pattern.</param>
public sealed record PredictTrafficView(
    double WindowSeconds, string Labels, int Requests, double PerSecond, double? P50Ms, double? P99Ms, int Errors);
