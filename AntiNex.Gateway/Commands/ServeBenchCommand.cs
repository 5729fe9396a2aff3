using System.CommandLine;
using System.Text.Json;
using AntiNex.Gateway.Http.Bench;

namespace AntiNex.Gateway.Commands;

/// <summary>`serve bench`: closed-loop infer load on a running HTTP service (Open Inference Protocol v2): requests/s,
/// rows/s, p50/p90/p99/max latency, and the load generator's own CPU. The key is read from a file or $ANTINEX_API_KEY,
/// never from the command line.</summary>
internal static class ServeBenchCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "Base URL of the service", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var keyFile = new Option<string>("--api-key-file") { Description = "File holding the API key secret (default: $ANTINEX_API_KEY)" };
        var label = new Option<string>("--label", "-l") { Description = "Trained model to infer with", Required = true };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Requests in flight", DefaultValueFactory = _ => 1 };
        var rows = new Option<int>("--rows") { Description = "Rows per request (1 = single-row latency)", DefaultValueFactory = _ => 1 };
        var duration = new Option<string>("--duration", "-d") { Description = "Measured run time", DefaultValueFactory = _ => "10s" };
        var warmup = new Option<string>("--warmup") { Description = "Unmeasured warm-up", DefaultValueFactory = _ => "2s" };
        var predictedOnly = new Option<bool>("--predicted-only") { Description = "Ask for the 'predicted' output only (same as --kind predicted)" };
        var kind = new Option<string>("--kind")
        {
            Description = "predicted: OIP infer, output 'predicted' (raw-rows path); all: OIP infer, all outputs; "
                + "api: POST /api/predict with predict_rows",
            DefaultValueFactory = _ => "all",
        };
        kind.AcceptOnlyFromAmong("predicted", "all", "api");
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var servicePid = new Option<int?>("--service-pid")
        {
            Description = "Process id of the service on this machine: its CPU per request over the measured run is reported too",
        };
        var command = new Command("bench", "Infer load on a running HTTP service: requests/s, rows/s, p50/p90/p99/max latency.");
        foreach (var o in new Option[] { url, keyFile, label, concurrency, rows, duration, warmup, predictedOnly, kind, json, servicePid })
            command.Options.Add(o);
        command.SetAction(async (p, ct) =>
        {
            var output = new Output(p.GetValue(json));
            InferLoadSettings settings;
            try
            {
                var path = p.GetValue(keyFile);
                var secret = path is not null ? File.ReadAllText(path).Trim() : Environment.GetEnvironmentVariable("ANTINEX_API_KEY")?.Trim();
                if (string.IsNullOrEmpty(secret)) throw new UsageException("no API key: pass --api-key-file FILE or set $ANTINEX_API_KEY");
                settings = new InferLoadSettings(new Uri(p.GetValue(url)!), secret, p.GetValue(label)!, Math.Max(1, p.GetValue(concurrency)),
                    Math.Max(1, p.GetValue(rows)), Durations.Parse(p.GetValue(duration)!, "--duration"),
                    Durations.Parse(p.GetValue(warmup)!, "--warmup"), p.GetValue(predictedOnly) ? InferKind.Predicted : p.GetValue(kind) switch
                    {
                        "predicted" => InferKind.Predicted,
                        "api" => InferKind.ApiPredict,
                        _ => InferKind.AllOutputs,
                    }, p.GetValue(servicePid));
            }
            catch (Exception e) when (e is UsageException or IOException or UriFormatException)
            {
                output.Error("usage", e.Message);
                return ExitCodes.BadInput;
            }
            InferLoadResult r;
            try { r = await InferLoad.RunAsync(settings, ct); }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException)
            {
                output.Error("unreachable", e.Message);
                return ExitCodes.Unreachable;
            }
            if (output.Json) Console.WriteLine(JsonSerializer.Serialize(r, Output.JsonOptions));
            else
                Console.WriteLine($"http {r.Path} {r.Rows} row(s)/request, concurrency {r.Concurrency}: "
                    + $"{r.RequestsPerSecond:F0} req/s, {r.RowsPerSecond:F0} rows/s, p50 {r.P50Ms:F3} ms, p90 {r.P90Ms:F3} ms, p99 {r.P99Ms:F3} ms, "
                    + $"max {r.MaxMs:F3} ms, {r.Requests} ok, {r.Failures} failed; load generator {r.LoadGeneratorCores:F2} cores "
                    + $"({r.LoadGeneratorShare:P0} of the machine's busy CPU, {r.LoadGeneratorUsPerRequest:F0} us CPU/request)"
                    + (r.ServiceUsPerRequest is { } su ? $"; service {su:F0} us CPU/request" : "")
                    + (r.Failures > 0 ? $" ({string.Join(", ", r.FailureKinds.Select(k => $"{k.Key}: {k.Value}"))})" : "")
                    + (r.ServedBy is null ? "" : $"; answered by {r.ServedBy}"));
            return r.Failures > 0 ? ExitCodes.ModelFailed : ExitCodes.Ok;
        });
        return command;
    }
}
