using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// <c>antinex-gateway bench labels --prefix P --count N --template LABEL</c>: many labels through the cluster. Times
/// <c>models</c> (twice: a fresh gateway's first listing, then again), then one single-row predict per label (PREFIX0
/// first and alone, then all the others at --concurrency): the first predict of a label recovers its entity from Redis
/// and loads its network, so on a freshly started cluster this is the lazy-recovery figure. Labels are usually stored by <c>bench seed</c>.
/// </summary>
internal static class BenchLabelsCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("60s");
        var prefix = new Option<string>("--prefix")
        { Description = "Label prefix: labels are PREFIX0 .. PREFIX(N-1)", DefaultValueFactory = _ => "scale-" };
        var count = new Option<int>("--count") { Description = "Labels to predict", DefaultValueFactory = _ => 1000 };
        var template = new Option<string>("--template") { Description = "A label with the same input features (its width is used)", Required = true };
        var concurrency = new Option<int>("--concurrency") { Description = "Predicts in flight", DefaultValueFactory = _ => 32 };
        var skipList = new Option<bool>("--no-list") { Description = "Do not time `models`" };
        var command = new Command("labels", "Many labels: time `models`, then the first predict of every label (lazy recovery).")
            { prefix, count, template, concurrency, skipList };
        common.AddTo(command);
        command.SetAction((p, ct) => common.RunAsync(p, ct, (client, output) => RunAsync(client, output, p.GetValue(prefix)!,
            Math.Max(1, p.GetValue(count)), p.GetValue(template)!, Math.Max(1, p.GetValue(concurrency)), !p.GetValue(skipList),
            common.TimeoutFrom(p), ct)));
        return command;
    }

    private static async Task<int> RunAsync(GatewayClient client, Output output, string prefix, int count, string template, int concurrency,
        bool list, TimeSpan timeout, CancellationToken ct)
    {
        var result = new Dictionary<string, object?> { ["labels"] = count, ["concurrency"] = concurrency };
        if (list)
        {
            // Twice: the first listing of a fresh gateway also pays for its (and the directory's) first use of the code
            // path; the second is what a running gateway (HTTP service, interactive session) sees.
            var listing = Stopwatch.StartNew();
            var models = await client.ModelsAsync(timeout);
            result["models_seconds"] = Math.Round(listing.Elapsed.TotalSeconds, 3);
            listing.Restart();
            models = await client.ModelsAsync(timeout);
            result["models_again_seconds"] = Math.Round(listing.Elapsed.TotalSeconds, 3);
            result["models_listed"] = models.Models.Count;
            result["models_unreachable"] = models.Unreachable.Count;
        }
        if (await client.DescribeAsync(ModelIds.FromLabel(template), timeout) is not ModelDescription { Summary: { } summary })
            throw new UsageException($"--template: label '{template}' has no trained model");
        double[][] row = [new double[summary.InputFeatures.Count]];

        async Task<(double Ms, string? Error)> PredictOne(int i)
        {
            var clock = Stopwatch.StartNew();
            object reply;
            try { reply = await client.PredictRowsAsync(ModelIds.FromLabel(prefix + i), row, timeout); }
            catch (Exception ex) { reply = ex; }
            return (clock.Elapsed.TotalMilliseconds, reply is ModelFailed f ? f.Code : reply is Exception e ? e.GetType().Name : null);
        }

        var first = await PredictOne(0);
        result["first_label_ms"] = Math.Round(first.Ms, 1);
        var latencies = new double[count - 1];
        var errors = new Dictionary<string, int>();
        var all = Stopwatch.StartNew();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < count)
            {
                ct.ThrowIfCancellationRequested();
                var (ms, error) = await PredictOne(i);
                latencies[i - 1] = ms;
                if (error is not null) lock (errors) errors[error] = errors.GetValueOrDefault(error) + 1;
            }
        }));
        var seconds = all.Elapsed.TotalSeconds + first.Ms / 1000;
        Array.Sort(latencies);
        double Pct(double q) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
        result["all_labels_seconds"] = Math.Round(seconds, 2);
        result["labels_per_second"] = Math.Round(count / seconds, 1);
        result["first_predict_p50_ms"] = Math.Round(Pct(0.50), 1);
        result["first_predict_p99_ms"] = Math.Round(Pct(0.99), 1);
        result["first_predict_max_ms"] = Math.Round(latencies.Length == 0 ? first.Ms : latencies[^1], 1);
        result["errors"] = errors;
        if (output.Json) Console.WriteLine(JsonSerializer.Serialize(result, Output.JsonOptions));
        else foreach (var (k, v) in result) Console.WriteLine($"{k,-24} {(v is Dictionary<string, int> d ? JsonSerializer.Serialize(d) : v)}");
        return errors.Count == 0 && first.Error is null ? ExitCodes.Ok : ExitCodes.ModelFailed;
    }
}
