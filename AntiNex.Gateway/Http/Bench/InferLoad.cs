// Closed-loop load on the HTTP service: N workers, each with its own kept-alive HTTP/1.1 connection, sending the same
// pre-serialized request for a fixed time. Latency (request sent -> body read) in HdrHistogram, microseconds. Non-200
// answers and timeouts are counted, never dropped. The generator shares the machine with the service, so it is lean
// (raw sockets, one thread and one connection per worker, the request bytes made once, the answer parsed only to its
// status and end: RawHttpConnection) and reports its own CPU: the part of the machine it took from the service.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HdrHistogram;

namespace AntiNex.Gateway.Http.Bench;

/// <summary>What each request asks: an OIP infer for the predicted value only (raw-rows path), an OIP infer for all
/// outputs, or an AntiNex predict request (POST /api/predict with predict_rows).</summary>
public enum InferKind { Predicted, AllOutputs, ApiPredict }

public sealed record InferLoadSettings(Uri BaseUrl, string ApiKey, string Label, int Concurrency, int Rows, TimeSpan Duration,
    TimeSpan Warmup, InferKind Kind, int? ServicePid = null);

public sealed record InferLoadResult(string Path, int Concurrency, int Rows, double Seconds, long Requests, long Failures,
    IReadOnlyDictionary<string, long> FailureKinds, double RequestsPerSecond, double RowsPerSecond, double P50Ms, double P90Ms,
    double P99Ms, double MaxMs, double LoadGeneratorCores, double LoadGeneratorShare, double LoadGeneratorUsPerRequest,
    string? ServedBy = null, double? ServiceUsPerRequest = null);

public static class InferLoad
{
    public static string PathName(InferKind kind) => kind switch
    {
        InferKind.Predicted => "oip-predicted",
        InferKind.AllOutputs => "oip-all-outputs",
        _ => "api-predict",
    };

    public static async Task<InferLoadResult> RunAsync(InferLoadSettings s, CancellationToken ct)
    {
        var (path, body) = await RequestAsync(s, ct);
        var workers = Enumerable.Range(0, s.Concurrency).Select(_ => new Worker(s, path, body)).ToArray();
        try
        {
            var warmUntil = Stopwatch.GetTimestamp() + (long)(s.Warmup.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(workers.Select(w => w.RunAsync(warmUntil, measure: false, ct)));
            var servedBy = await ServedByAsync(s, path, body, ct);
            var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            var serviceBefore = ProcessCpu.Read(s.ServicePid);
            var machineBefore = MachineCpu.Read();
            var started = Stopwatch.GetTimestamp();
            var until = started + (long)(s.Duration.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(workers.Select(w => w.RunAsync(until, measure: true, ct)));
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            self.Refresh();
            var cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
            var machineBusy = MachineCpu.Read() - machineBefore;
            var service = ProcessCpu.Read(s.ServicePid) - serviceBefore;

            var all = new LongHistogram(TimeSpan.FromMinutes(5).Ticks / 10, 3);
            foreach (var w in workers) all.Add(w.Latency);
            double Ms(double percentile) => all.TotalCount == 0 ? double.NaN : all.GetValueAtPercentile(percentile) / 1000.0;
            var ok = workers.Sum(w => w.Ok);
            var kinds = workers.SelectMany(w => w.Failures).GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.Sum(f => f.Value));
            return new InferLoadResult(PathName(s.Kind), s.Concurrency, s.Rows, Math.Round(seconds, 2), ok, kinds.Values.Sum(), kinds,
                Math.Round(ok / seconds, 1), Math.Round(ok * (double)s.Rows / seconds, 1), Ms(50), Ms(90), Ms(99),
                all.TotalCount == 0 ? double.NaN : all.GetMaxValue() / 1000.0,
                Math.Round(cpu / seconds, 2), machineBusy > 0 ? Math.Round(Math.Min(1, cpu / machineBusy), 3) : double.NaN,
                ok == 0 ? double.NaN : Math.Round(cpu * 1e6 / (ok + kinds.Values.Sum()), 1), servedBy,
                s.ServicePid is null || ok == 0 ? null : Math.Round(service * 1e6 / (ok + kinds.Values.Sum()), 1));
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }

    /// <summary>Who answers the request after the warm-up (an OIP reply's parameters.served_by, an AntiNex predict reply's
    /// node: a model node, or the service's own copy), so a figure says which path it measured.</summary>
    private static async Task<string?> ServedByAsync(InferLoadSettings s, string path, byte[] body, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = s.BaseUrl, Timeout = TimeSpan.FromMinutes(1) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", s.ApiKey);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(path, content, ct);
        if (!response.IsSuccessStatusCode) return null;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var root = json.RootElement;
        if (s.Kind == InferKind.ApiPredict) return root.TryGetProperty("node", out var node) ? node.GetString() : null;
        return root.TryGetProperty("parameters", out var p) && p.TryGetProperty("served_by", out var by) ? by.GetString() : null;
    }

    /// <summary>The path and body, made once: one tensor [rows, features] of fixed pseudo-random values (the matrix
    /// layout), or the same rows as AntiNex predict_rows.</summary>
    private static async Task<(string Path, byte[] Body)> RequestAsync(InferLoadSettings s, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = s.BaseUrl, Timeout = TimeSpan.FromMinutes(1) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", s.ApiKey);
        var label = Uri.EscapeDataString(s.Label);
        using var response = await http.GetAsync($"/api/models/{label}", ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"model '{s.Label}': {(int)response.StatusCode} {text}");
        using var model = JsonDocument.Parse(text);
        var summary = model.RootElement.GetProperty("summary");
        var features = summary.GetProperty("input_features").EnumerateArray().Select(f => f.GetString()!).ToArray();
        var random = new Random(17);
        var data = Enumerable.Range(0, s.Rows * features.Length).Select(_ => Math.Round(random.NextDouble() * 1000)).ToArray();
        var tensor = new[] { new { name = "input-0", shape = new[] { s.Rows, features.Length }, datatype = "FP64", data } };
        object request = s.Kind switch
        {
            InferKind.Predicted => new { inputs = tensor, outputs = new[] { new { name = "predicted" } } },
            InferKind.AllOutputs => new { inputs = tensor },
            _ => new
            {
                label = s.Label,
                ml_type = summary.GetProperty("ml_type").GetString(),
                predict_feature = summary.GetProperty("predict_feature").GetString(),
                predict_rows = Enumerable.Range(0, s.Rows)
                    .Select(r => features.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => data[r * features.Length + x.i])).ToArray(),
            },
        };
        var path = s.Kind == InferKind.ApiPredict ? "/api/predict" : $"/v2/models/{label}/infer";
        return (path, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request)));
    }

    /// <summary>One closed loop on its own connection and its own thread (blocking calls: one send, one or two
    /// receives per request, nothing else woken).</summary>
    private sealed class Worker(InferLoadSettings s, string path, byte[] body) : IDisposable
    {
        public readonly LongHistogram Latency = new(TimeSpan.FromMinutes(5).Ticks / 10, 3);
        public readonly Dictionary<string, long> Failures = [];
        public long Ok;

        private readonly RawHttpConnection _connection = new(s.BaseUrl, path, s.ApiKey, body, TimeSpan.FromMinutes(1));

        public Task RunAsync(long untilTimestamp, bool measure, CancellationToken ct)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try { Run(untilTimestamp, measure, ct); done.SetResult(); }
                catch (Exception e) { done.SetException(e); }
            })
            { IsBackground = true, Name = "infer-load" };
            thread.Start();
            return done.Task;
        }

        private void Run(long untilTimestamp, bool measure, CancellationToken ct)
        {
            while (Stopwatch.GetTimestamp() < untilTimestamp && !ct.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                string? failure;
                try
                {
                    var status = _connection.Send();
                    failure = status is >= 200 and < 300 ? null : status.ToString(CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException
                                              or System.Security.Authentication.AuthenticationException)
                {
                    failure = e.GetType().Name;
                }
                if (!measure) continue;
                if (failure is null) { Ok++; Latency.RecordValue(Math.Max(1, Stopwatch.GetElapsedTime(started).Ticks / 10)); }
                else Failures[failure] = Failures.GetValueOrDefault(failure) + 1;
            }
        }

        public void Dispose() => _connection.Dispose();
    }

    /// <summary>CPU seconds (user + system) a process on this machine used so far (Linux /proc/PID/stat); 0 without one.</summary>
    private static class ProcessCpu
    {
        public static double Read(int? pid)
        {
            if (pid is not { } id) return 0;
            try
            {
                var stat = File.ReadAllText($"/proc/{id}/stat");
                // Fields after the command name (which may hold spaces) start at the last ')': state is field 3, utime 14, stime 15.
                var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                return 0;
            }
        }
    }

    /// <summary>Busy CPU seconds of the whole machine so far (Linux /proc/stat: user+nice+system+irq+softirq+steal);
    /// 0 elsewhere.</summary>
    private static class MachineCpu
    {
        public static double Read()
        {
            try
            {
                var line = File.ReadLines("/proc/stat").First();
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                    .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                var busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
                return busy / 100.0; // USER_HZ
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
            {
                return 0;
            }
        }
    }
}
