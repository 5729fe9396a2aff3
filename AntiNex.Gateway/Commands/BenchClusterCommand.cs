// `bench cluster`: predict load against several labels through the cluster (gateway -> shard region -> model entity ->
// gateway), closed-loop at a chosen concurrency for a chosen duration. Latency in HdrHistogram (microseconds);
// errors and timeouts are counted and printed, never dropped. Also reports, per label, the longest outage (time from
// the first failed request to the next success), which is the "kill -9 -> first successful predict" figure when a
// node is killed during the run.
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using HdrHistogram;
using Spectre.Console;
using TorchSharp;

namespace AntiNex.Gateway.Commands;

internal static class BenchClusterCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("5s");
        var labels = new Option<string[]>("--label", "-l")
        {
            Description = "Trained label to load (repeatable; comma-separated also works)",
            Required = true
        };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Requests in flight", DefaultValueFactory = _ => 8 };
        var duration = new Option<string>("--duration", "-d") { Description = "Measured run time (e.g. 20s)", DefaultValueFactory = _ => "20s" };
        var warmup = new Option<string>("--warmup") { Description = "Unmeasured warm-up (loads models, JIT)", DefaultValueFactory = _ => "3s" };
        var rows = new Option<int>("--rows") { Description = "Feature rows per request (1 = single-row latency)", DefaultValueFactory = _ => 1 };
        var coalesce = new Option<string>("--coalesce")
        {
            Description = "Coalesce concurrent small predicts per label in the gateway: on or off (default: off unless ANTINEX_COALESCE=1)",
        };
        var bareLayers = new Option<string>("--bare-layers")
        {
            Description = "Hidden layer widths of the bare TorchSharp baseline: the labels' network (training/demo-synthetic.json: 128,64); " +
                          "none = no baseline",
            DefaultValueFactory = _ => "128,64",
        };
        var rowsFrom = new Option<string?>("--rows-from")
        {
            Description = "CSV whose first rows (repeated as needed) are sent, in each label's feature order; without it: pseudo-random " +
                          "values in 0..1000, which lie beyond many features' clip bound (unscorable rows take the per-value path)",
        };
        var command = new Command("cluster",
            "Predict load through the cluster: requests/s, rows/s, p50/p90/p99/max latency, errors, timeouts, outages.");
        foreach (var o in new Option[] { labels, concurrency, duration, warmup, rows, coalesce, bareLayers, rowsFrom }) command.Options.Add(o);
        common.AddTo(command);
        command.SetAction((p, ct) =>
        {
            var ids = (p.GetValue(labels) ?? []).SelectMany(l => l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(ModelIds.FromLabel).Distinct().ToArray();
            BenchSettings settings;
            try
            {
                settings = new BenchSettings(ids, Math.Max(1, p.GetValue(concurrency)), Durations.Parse(p.GetValue(duration)!, "--duration"),
                    Durations.Parse(p.GetValue(warmup)!, "--warmup"), Math.Max(1, p.GetValue(rows)), common.TimeoutFrom(p),
                    BareLayers(p.GetValue(bareLayers)), p.GetValue(rowsFrom));
            }
            catch (UsageException e)
            {
                new Output(p.GetValue(common.Json)).Error("usage", e.Message);
                return Task.FromResult(ExitCodes.BadInput);
            }
            var coalesceValue = p.GetValue(coalesce);
            return common.RunAsync(p, ct, (client, output) =>
            {
                if (coalesceValue is not null) client.Coalesce = coalesceValue is "on" or "true" or "1";
                return Run(client, output, settings, ct);
            });
        });
        return command;
    }

    private sealed record BenchSettings(string[] Labels, int Concurrency, TimeSpan Duration, TimeSpan Warmup, int Rows, TimeSpan Timeout,
        int[]? BareLayers, string? RowsFrom);

    private static int[]? BareLayers(string? text) => string.IsNullOrWhiteSpace(text) || text == "none" ? null
        : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(w => int.TryParse(w, out var n) && n > 0 ? n : throw new UsageException($"--bare-layers: '{w}' is not a layer width")).ToArray();

    /// <summary>The rows one request carries: the CSV's first rows (repeated up to the count) or pseudo-random values.</summary>
    private static float[] Block(string id, IReadOnlyList<string> features, BenchSettings s)
    {
        var block = new float[s.Rows * features.Count];
        if (s.RowsFrom is { } path)
        {
            using var reader = new CsvRowReader(path, features);
            var read = reader.Read(block);
            if (read == 0) throw new UsageException($"--rows-from: '{path}' has no rows");
            for (int at = read * features.Count; at < block.Length; at += read * features.Count)
                block.AsSpan(0, Math.Min(read * features.Count, block.Length - at)).CopyTo(block.AsSpan(at));
            return block;
        }
        var random = new Random(id.GetHashCode(StringComparison.Ordinal));
        for (int k = 0; k < block.Length; k++) block[k] = (float)Math.Round(random.NextDouble() * 1000);
        return block;
    }

    private sealed class Worker
    {
        public readonly LongHistogram Latency = new(TimeSpan.FromMinutes(5).Ticks / 10, 3); // microseconds
        public long Ok, Errors, Timeouts, Rows;
        public readonly Dictionary<string, long> ErrorCodes = [];
    }

    private static async Task<int> Run(GatewayClient client, Output output, BenchSettings s, CancellationToken ct)
    {
        // Feature layout per label from the entity itself; values: a fixed pseudo-random pattern (the scaler handles any range).
        var inputs = new Dictionary<string, PredictRawRows>();
        foreach (var id in s.Labels)
        {
            var reply = await client.DescribeAsync(id, TimeSpan.FromSeconds(60));
            if (reply is not ModelDescription { Trained: true, Summary: { } summary })
                throw new UsageException($"label '{id}' has no trained model: train it first (bench cluster only predicts)");
            inputs[id] = new PredictRawRows(id, summary.InputFeatures.Count, Block(id, summary.InputFeatures, s));
        }
        var outages = s.Labels.ToDictionary(l => l, _ => new OutageTracker());
        var answeredBy = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();

        async Task Loop(Worker w, int index, DateTime until, bool measure)
        {
            var i = index;
            while (DateTime.UtcNow < until && !ct.IsCancellationRequested)
            {
                var label = s.Labels[i++ % s.Labels.Length];
                var started = Stopwatch.GetTimestamp();
                string? failure;
                try
                {
                    var reply = await client.PredictRowsAsync(inputs[label], s.Timeout);
                    failure = reply is RowsPredicted ? null : reply is ModelFailed f ? f.Code : reply.GetType().Name;
                    if (measure && reply is RowsPredicted answered) answeredBy.AddOrUpdate($"{answered.Node} v{answered.Version}", 1,
                        (_, n) => n + 1);
                }
                catch (Exception ex) when (ex is Akka.Actor.AskTimeoutException or TimeoutException or TaskCanceledException)
                {
                    failure = "timeout";
                }
                var elapsed = Stopwatch.GetElapsedTime(started);
                outages[label].Record(failure is null, started);
                if (!measure) continue;
                if (failure is null)
                {
                    w.Ok++;
                    w.Rows += s.Rows;
                    w.Latency.RecordValue(Math.Max(1, elapsed.Ticks / 10));
                }
                else if (failure == "timeout") w.Timeouts++;
                else
                {
                    w.Errors++;
                    w.ErrorCodes[failure] = w.ErrorCodes.GetValueOrDefault(failure) + 1;
                }
            }
        }

        var warm = Enumerable.Range(0, s.Concurrency).Select(_ => new Worker()).ToArray();
        var warmUntil = DateTime.UtcNow + s.Warmup;
        await Task.WhenAll(warm.Select((w, i) => Loop(w, i, warmUntil, measure: false)));

        var workers = Enumerable.Range(0, s.Concurrency).Select(_ => new Worker()).ToArray();
        var clock = Stopwatch.StartNew();
        // This process's CPU time over the measured seconds: what a row costs the gateway (steadier than rows/s on a busy host).
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var until = DateTime.UtcNow + s.Duration;
        await Task.WhenAll(workers.Select((w, i) => Loop(w, i, until, measure: true)));
        var seconds = clock.Elapsed.TotalSeconds;
        var gatewayCpu = Environment.CpuUsage.TotalTime - cpuBefore;

        // The baseline in the same run: a bare TorchSharp forward of the same network shape and batch, in this process.
        double? bare = null;
        if (s.BareLayers is { } hidden)
        {
            var first = inputs[s.Labels[0]];
            if (first.Columns > 0)
            {
                torch.set_num_threads(1); // as a node scores (--torch-threads 1)
                using var net = new BareForward(first.Columns, hidden);
                bare = net.RowsPerSecond(first.Values, first.RowCount, Math.Max(100_000L, first.RowCount * 20L));
            }
        }

        var all = new LongHistogram(TimeSpan.FromMinutes(5).Ticks / 10, 3);
        foreach (var w in workers) all.Add(w.Latency);
        double Ms(double percentile) => all.TotalCount == 0 ? double.NaN : all.GetValueAtPercentile(percentile) / 1000.0;
        var ok = workers.Sum(w => w.Ok);
        var result = new
        {
            labels = s.Labels, concurrency = s.Concurrency, rows_per_request = s.Rows, seconds = Math.Round(seconds, 2),
            requests = ok, errors = workers.Sum(w => w.Errors), timeouts = workers.Sum(w => w.Timeouts),
            error_codes = workers.SelectMany(w => w.ErrorCodes).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value)),
            requests_per_second = Math.Round(ok / seconds, 1), rows_per_second = Math.Round(workers.Sum(w => w.Rows) / seconds, 1),
            p50_ms = Ms(50), p90_ms = Ms(90), p99_ms = Ms(99), max_ms = all.TotalCount == 0 ? double.NaN : all.GetMaxValue() / 1000.0,
            longest_outage_s = outages.Where(o => o.Value.Longest > TimeSpan.Zero)
                .ToDictionary(o => o.Key, o => Math.Round(o.Value.Longest.TotalSeconds, 2)),
            // Per label: the longest time between two successful answers (a stall shows here even without errors).
            longest_gap_ms = outages.ToDictionary(o => o.Key, o => Math.Round(o.Value.LongestGap.TotalMilliseconds, 1)),
            answered_by = answeredBy.OrderBy(a => a.Key, StringComparer.Ordinal).ToDictionary(a => a.Key, a => a.Value),
            coalesce = client.Coalesce,
            bare_torchsharp_rows_per_second = bare is { } b ? Math.Round(b) : (double?)null,
            bare_layers = s.BareLayers is { } l ? string.Join(",", l) : null,
            rows_from = s.RowsFrom ?? "pseudo-random 0..1000",
            gateway_cpu_us_per_row = workers.Sum(w => w.Rows) is > 0 and var measuredRows
                ? Math.Round(gatewayCpu.TotalMicroseconds / measuredRows, 3) : (double?)null,
            rows_per_second_vs_bare = bare is { } b2 && b2 > 0 ? Math.Round(workers.Sum(w => w.Rows) / seconds / b2, 3) : (double?)null,
        };
        if (output.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(result, Output.JsonOptions));
        }
        else
        {
            var table = new Table()
                .Title($"predict bench: {s.Labels.Length} labels, concurrency {s.Concurrency}, {s.Rows} row(s)/request, {seconds:F1} s")
                .AddColumns("requests", "req/s", "rows/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "timeouts");
            table.AddRow(ok.ToString(), $"{result.requests_per_second:F0}", $"{result.rows_per_second:F0}", $"{result.p50_ms:F3}",
                $"{result.p90_ms:F3}",
                $"{result.p99_ms:F3}", $"{result.max_ms:F3}", result.errors.ToString(), result.timeouts.ToString());
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"gateway coalescing of small predicts: {(client.Coalesce ? "on" : "off")}");
            if (result.gateway_cpu_us_per_row is { } cpuPerRow)
                AnsiConsole.WriteLine($"gateway CPU time (this process, user + system): {cpuPerRow:0.###} µs a row");
            if (result.bare_torchsharp_rows_per_second is { } bareRate)
                AnsiConsole.WriteLine(
                    $"bare TorchSharp forward (hidden {result.bare_layers}, batch {s.Rows:N0}, 1 thread, this process): {bareRate:N0} rows/s; " +
                    $"cluster / bare = {result.rows_per_second_vs_bare:0.000}");
            foreach (var (code, count) in result.error_codes) AnsiConsole.MarkupLineInterpolated($"[yellow]error {code}: {count}[/]");
            foreach (var (label, outage) in result.longest_outage_s)
                AnsiConsole.MarkupLineInterpolated($"[yellow]{label}: longest outage {outage:F2} s (first failure -> next success)[/]");
            foreach (var (label, gap) in result.longest_gap_ms)
                AnsiConsole.MarkupLineInterpolated($"{label}: longest gap between successful answers {gap:F1} ms");
        }
        return result.errors + result.timeouts > 0 ? ExitCodes.ModelFailed : ExitCodes.Ok;
    }

    /// <summary>Per label: the longest stretch from a first failed request to the next successful one.</summary>
    private sealed class OutageTracker
    {
        private readonly object _gate = new();
        private long? _firstFailure;
        private long? _lastSuccess;
        public TimeSpan Longest { get; private set; }
        public TimeSpan LongestGap { get; private set; }

        /// <param name="sentAt">When the request was sent: an outage starts with the first request that failed.</param>
        public void Record(bool success, long sentAt)
        {
            lock (_gate)
            {
                if (!success) { _firstFailure = _firstFailure is { } f ? Math.Min(f, sentAt) : sentAt; return; }
                var now = Stopwatch.GetTimestamp();
                if (_lastSuccess is { } last && Stopwatch.GetElapsedTime(last, now) > LongestGap) LongestGap = Stopwatch.GetElapsedTime(last, now);
                _lastSuccess = now;
                if (_firstFailure is { } since)
                {
                    var outage = Stopwatch.GetElapsedTime(since, Stopwatch.GetTimestamp());
                    if (outage > Longest) Longest = outage;
                    _firstFailure = null;
                }
            }
        }
    }
}
