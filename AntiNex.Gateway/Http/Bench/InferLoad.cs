// Closed-loop load on the HTTP service's inference endpoint: N requests in flight over kept-alive connections for a
// fixed time, each one the same Open Inference Protocol request. Latency (request sent -> body read) in HdrHistogram,
// microseconds. Non-200 answers and timeouts are counted, never dropped.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HdrHistogram;

namespace AntiNex.Gateway.Http.Bench;

public sealed record InferLoadSettings(Uri BaseUrl, string ApiKey, string Label, int Concurrency, int Rows, TimeSpan Duration,
    TimeSpan Warmup, bool PredictedOnly);

public sealed record InferLoadResult(int Concurrency, int Rows, bool PredictedOnly, double Seconds, long Requests, long Failures,
    IReadOnlyDictionary<string, long> FailureKinds, double RequestsPerSecond, double RowsPerSecond, double P50Ms, double P90Ms,
    double P99Ms, double MaxMs);

public static class InferLoad
{
    public static async Task<InferLoadResult> RunAsync(InferLoadSettings s, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = s.Concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            // Benchmarks only run against the operator's own service; a self-signed certificate is accepted here.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        { BaseAddress = s.BaseUrl, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", s.ApiKey);
        var body = await RequestBodyAsync(http, s, ct);
        var path = $"/v2/models/{Uri.EscapeDataString(s.Label)}/infer";

        async Task Loop(Worker w, DateTime until, bool measure)
        {
            while (DateTime.UtcNow < until && !ct.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                string? failure;
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var response = await http.PostAsync(path, content, ct);
                    await response.Content.ReadAsByteArrayAsync(ct);
                    failure = response.IsSuccessStatusCode ? null : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { failure = e.GetType().Name; }
                if (!measure) continue;
                if (failure is null) { w.Ok++; w.Latency.RecordValue(Math.Max(1, Stopwatch.GetElapsedTime(started).Ticks / 10)); }
                else w.Failures[failure] = w.Failures.GetValueOrDefault(failure) + 1;
            }
        }

        var warmUntil = DateTime.UtcNow + s.Warmup;
        await Task.WhenAll(Enumerable.Range(0, s.Concurrency).Select(_ => Loop(new Worker(), warmUntil, measure: false)));
        var workers = Enumerable.Range(0, s.Concurrency).Select(_ => new Worker()).ToArray();
        var clock = Stopwatch.StartNew();
        var until = DateTime.UtcNow + s.Duration;
        await Task.WhenAll(workers.Select(w => Loop(w, until, measure: true)));
        var seconds = clock.Elapsed.TotalSeconds;

        var all = new LongHistogram(TimeSpan.FromMinutes(5).Ticks / 10, 3);
        foreach (var w in workers) all.Add(w.Latency);
        double Ms(double percentile) => all.TotalCount == 0 ? double.NaN : all.GetValueAtPercentile(percentile) / 1000.0;
        var ok = workers.Sum(w => w.Ok);
        var kinds = workers.SelectMany(w => w.Failures).GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.Sum(f => f.Value));
        return new InferLoadResult(s.Concurrency, s.Rows, s.PredictedOnly, Math.Round(seconds, 2), ok, kinds.Values.Sum(), kinds,
            Math.Round(ok / seconds, 1), Math.Round(ok * (double)s.Rows / seconds, 1), Ms(50), Ms(90), Ms(99),
            all.TotalCount == 0 ? double.NaN : all.GetMaxValue() / 1000.0);
    }

    /// <summary>One tensor [rows, features] of fixed pseudo-random values, named after nothing (the matrix layout).</summary>
    private static async Task<byte[]> RequestBodyAsync(HttpClient http, InferLoadSettings s, CancellationToken ct)
    {
        using var response = await http.GetAsync($"/v2/models/{Uri.EscapeDataString(s.Label)}", ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"model metadata of '{s.Label}': {(int)response.StatusCode} {text}");
        using var metadata = JsonDocument.Parse(text);
        var features = metadata.RootElement.GetProperty("inputs").GetArrayLength();
        var random = new Random(17);
        var data = Enumerable.Range(0, s.Rows * features).Select(_ => Math.Round(random.NextDouble() * 1000)).ToArray();
        object request = s.PredictedOnly
            ? new
            {
                inputs = new[] { new { name = "input-0", shape = new[] { s.Rows, features }, datatype = "FP64", data } },
                outputs = new[] { new { name = "predicted" } }
            }
            : new { inputs = new[] { new { name = "input-0", shape = new[] { s.Rows, features }, datatype = "FP64", data } } };
        return Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request));
    }

    private sealed class Worker
    {
        public readonly LongHistogram Latency = new(TimeSpan.FromMinutes(5).Ticks / 10, 3);
        public readonly Dictionary<string, long> Failures = [];
        public long Ok;
    }
}
