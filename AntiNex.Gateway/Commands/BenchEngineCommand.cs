using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Requests;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// `bench engine`: figures for the learning engine, measured in one run on generated data:
/// training rows/s of the engine vs a bare TorchSharp loop (same network, data, batch size, epochs, threads),
/// inference rows/s over N rows in batches, single-row PredictRaw latency p50/p99, and process memory over
/// 10,000 single-row predicts (native memory must stay flat: tensors are disposed by scopes).
/// </summary>
internal static class BenchEngineCommand
{
    public static Command Create()
    {
        var rows = new Option<int>("--train-rows") { Description = "Generated training rows", DefaultValueFactory = _ => 50_000 };
        var features = new Option<int>("--features") { Description = "Numeric features per row", DefaultValueFactory = _ => 40 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs (engine and bare loop)", DefaultValueFactory = _ => 3 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 64 };
        var inferRows = new Option<int>("--inference-rows") { Description = "Rows predicted in batches", DefaultValueFactory = _ => 1_000_000 };
        var inferBatch = new Option<int>("--inference-batch") { DefaultValueFactory = _ => 10_000 };
        var singles = new Option<int>("--single-predicts")
        {
            Description = "Single-row predict calls (latency and memory)",
            DefaultValueFactory = _ => 10_000
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
        var command = new Command("engine",
            "Measure the learning engine: training overhead vs bare TorchSharp, inference rows/s, predict latency, memory.");
        foreach (var o in new Option[] { rows, features, epochs, batch, inferRows, inferBatch, singles, threads }) command.Options.Add(o);
        command.SetAction(p => Run(p.GetValue(rows), p.GetValue(features), p.GetValue(epochs), p.GetValue(batch),
            p.GetValue(inferRows), p.GetValue(inferBatch), p.GetValue(singles), p.GetValue(threads)));
        return command;
    }

    private static int Run(int rows, int features, int epochs, int batch, int inferRows, int inferBatch, int singles, int threads)
    {
        if (threads > 0) torch.set_num_threads(threads);
        var dir = Directory.CreateTempSubdirectory("antinex-bench-").FullName;
        try
        {
            var (x, y) = Generate(rows, features, seed: 1);
            WriteCsv(Path.Combine(dir, "bench.csv"), x, y, rows, features);
            var featureNames = Enumerable.Range(0, features).Select(i => $"f{i}").ToList();
            var request = AntiNexRequest.Parse($$$"""
                {"label": "bench", "dataset": "bench.csv", "predict_feature": "y",
                 "features_to_process": [{{{string.Join(", ", featureNames.Select(f => $"\"{f}\""))}}}],
                 "apply_scaler": true, "min_scaler_range": 0, "max_scaler_range": 1,
                 "epochs": {{{epochs}}}, "batch_size": {{{batch}}}, "num_splits": 0, "test_size": 0.2, "seed": 3, "max_records": 1,
                 "loss": "binary_crossentropy", "optimizer": "adam",
                 "model_desc": {"layers": [{"num_neurons": 64, "init": "he_uniform", "activation": "relu"},
                                           {"num_neurons": 32, "init": "he_uniform", "activation": "relu"},
                                           {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]}}
                """, out _);

            // Warm-up both paths once (native library load, allocator) so neither pays it in the measurement.
            BareLoop(x, y, rows, features, Math.Min(rows, 2_000), 1, batch);

            // Alternate engine and bare runs (5 rounds each) and keep the median: the machine is shared, so a single
            // pair would mostly measure whoever else was busy at that moment.
            var engineRuns = new List<double>();
            var engineWithValidation = new List<double>();
            var bareRuns = new List<double>();
            TrainingOutcome outcome = null!;
            for (int round = 0; round < 5; round++)
            {
                outcome = TrainingEngine.Train(request, new DataRoots([dir]), new EngineOptions { TorchThreads = threads }, null,
                    CancellationToken.None);
                engineRuns.Add(outcome.Report.RowsPerSecond); // final fit's training loop: trainRows * epochs / seconds
                engineWithValidation.Add(outcome.Report.TrainRows * (double)epochs / outcome.Report.FitSeconds);
                bareRuns.Add(BareLoop(x, y, rows, features, outcome.Report.TrainRows, epochs, batch));
            }
            int trainRows = outcome.Report.TrainRows;
            double engineRps = engineRuns.Order().ElementAt(2);
            double bareRps = bareRuns.Order().ElementAt(2);
            var table = new Table().Title("AntiNex engine figures").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("training rows x features", $"{trainRows} x {features}, {epochs} epochs, batch {batch}, {threads} thread(s)");
            table.AddRow("engine fit rows/s incl. per-epoch validation pass, median of 5", engineWithValidation.Order().ElementAt(2)
                .ToString("N0", CultureInfo.InvariantCulture));
            table.AddRow("engine training rows/s, median of 5 (training loop)",
                $"{engineRps:N0}  ({string.Join(" ", engineRuns.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))})");
            table.AddRow("bare TorchSharp loop rows/s, median of 5",
                $"{bareRps:N0}  ({string.Join(" ", bareRuns.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))})");
            // Each engine run is paired with the bare run right after it (similar machine load): median of the pair ratios.
            var ratios = engineRuns.Zip(bareRuns, (e, b) => e / b).ToList();
            var ratio = ratios.Order().ElementAt(2);
            table.AddRow("engine / bare (median of 5 paired ratios)",
                $"{ratio:0.000}  ({string.Join(" ", ratios.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})");
            table.AddRow("engine overhead", $"{(1 - ratio) * 100:0.0} %");
            table.AddRow("test accuracy % (generated data)", $"{outcome.Report.Accuracy:0.00}");

            using var model = TrainedModel.Load(outcome.Artifact, new EngineOptions { TorchThreads = threads });
            var batchRows = Enumerable.Range(0, inferBatch).Select(i => Row(x, i % rows, features)).ToList();
            model.PredictRaw(batchRows); // warm-up
            var sw = Stopwatch.StartNew();
            long done = 0;
            while (done < inferRows) { model.PredictRaw(batchRows); done += batchRows.Count; }
            sw.Stop();
            table.AddRow($"inference rows/s, rows as double arrays ({done:N0} rows, batches of {inferBatch:N0})", (done / sw.Elapsed.TotalSeconds)
                .ToString("N0", CultureInfo.InvariantCulture));
            var (engine, bare, inferenceRatios, cpuRatios) = InferenceVsBare(model, x, rows, features, inferRows, inferBatch);
            table.AddRow($"inference rows/s, float32 row block (the cluster's path), {threads} torch thread(s), median of 5", $"{engine:N0}");
            table.AddRow($"bare TorchSharp forward rows/s, same network and batch, median of 5", $"{bare:N0}");
            table.AddRow("inference engine / bare (median of 5 paired ratios; goal >= 0.9)",
                $"{inferenceRatios.Order().ElementAt(2):0.000}  " +
                $"({string.Join(" ", inferenceRatios.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})");
            table.AddRow("inference engine / bare by this thread's CPU time per row (median of 5; steady under other load)",
                $"{cpuRatios.Order().ElementAt(2):0.000}  " +
                $"({string.Join(" ", cpuRatios.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})");

            var single = new[] { Row(x, 0, features) };
            for (int i = 0; i < 200; i++) model.PredictRaw(single);
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var rssBefore = Rss();
            var lat = new double[singles];
            long[] checkpoints = new long[5];
            for (int i = 0; i < singles; i++)
            {
                single[0] = Row(x, i % rows, features);
                var t0 = Stopwatch.GetTimestamp();
                model.PredictRaw(single);
                lat[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                if ((i + 1) % Math.Max(1, singles / 5) == 0 && (i + 1) / Math.Max(1, singles / 5) <= 5) checkpoints[(i + 1) / Math.Max(1,
                    singles / 5) - 1] = Rss();
            }
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var rssAfter = Rss();
            Array.Sort(lat);
            table.AddRow($"single-row PredictRaw p50 / p99 ({singles:N0} calls)", $"{lat[singles / 2]:0} µs / {lat[(int)(singles * 0.99)]:0} µs");
            table.AddRow("process RSS before / after single predicts",
                $"{rssBefore / 1048576.0:0.0} MiB / {rssAfter / 1048576.0:0.0} MiB (delta {(rssAfter - rssBefore) / 1048576.0:+0.0;-0.0} MiB)");
            table.AddRow("RSS at each fifth of the calls", string.Join(" ", checkpoints.Select(c => $"{c / 1048576.0:0.0}")) + " MiB");
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } }
    }

    /// <summary>The engine's float32 block path (scaler, guards, decoding included) and a bare forward of the same
    /// 64-32-1 network on the same batches, alternated 5 times (the machine is shared): medians and paired ratios.</summary>
    private static (double Engine, double Bare, List<double> Ratios, List<double> CpuRatios) InferenceVsBare(TrainedModel model,
        float[] x, int rows, int features, long inferRows, int inferBatch)
    {
        var block = new float[inferBatch * features];
        for (int i = 0; i < inferBatch; i++) Array.Copy(x, (i % rows) * features, block, i * features, features);
        using var bare = new BareForward(features, [64, 32]);
        model.PredictRows(block, 0, inferBatch, features); // warm-up
        var engineRuns = new List<double>();
        var bareRuns = new List<double>();
        var cpuRatios = new List<double>();
        var perRound = Math.Max(inferBatch, inferRows / 5);
        for (int round = 0; round < 5; round++)
        {
            var cpu0 = ThreadCpu.Seconds();
            var sw = Stopwatch.StartNew();
            long done = 0;
            while (done < perRound) { model.PredictRows(block, 0, inferBatch, features); done += inferBatch; }
            engineRuns.Add(done / sw.Elapsed.TotalSeconds);
            var cpu1 = ThreadCpu.Seconds();
            bareRuns.Add(bare.RowsPerSecond(block, inferBatch, perRound));
            // CPU seconds of this thread per row, bare over engine: with one torch thread the work runs here, so this is
            // close to the wall-clock ratio of a quiet machine, and steady while other processes take the cores.
            cpuRatios.Add((ThreadCpu.Seconds() - cpu1) / Math.Max(1e-9, cpu1 - cpu0));
        }
        return (engineRuns.Order().ElementAt(2), bareRuns.Order().ElementAt(2), engineRuns.Zip(bareRuns, (e, b) => e / b).ToList(),
            cpuRatios);
    }

    private static long Rss()
    {
        // VmRSS covers native (libtorch) memory, which the managed heap counters miss.
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return Environment.WorkingSet;
    }

    private static double[] Row(float[] x, int r, int features)
    {
        var row = new double[features];
        for (int j = 0; j < features; j++) row[j] = x[r * features + j];
        return row;
    }

    /// <summary>Uniform features; label = 1 when a fixed random projection is positive (learnable, a little noisy).</summary>
    private static (float[] X, float[] Y) Generate(int rows, int features, int seed)
    {
        var rng = new Random(seed);
        var w = Enumerable.Range(0, features).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var x = new float[rows * features];
        var y = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            double s = 0;
            for (int j = 0; j < features; j++) { var v = (float)rng.NextDouble(); x[i * features + j] = v; s += w[j] * (v - 0.5); }
            y[i] = s + (rng.NextDouble() - 0.5) * 0.3 > 0 ? 1 : 0;
        }
        return (x, y);
    }

    private static void WriteCsv(string path, float[] x, float[] y, int rows, int features)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        w.WriteLine(string.Join(',', Enumerable.Range(0, features).Select(i => $"f{i}")) + ",y");
        var sb = new StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            sb.Clear();
            for (int j = 0; j < features; j++) sb.Append(x[i * features + j].ToString("R", CultureInfo.InvariantCulture)).Append(',');
            sb.Append(y[i].ToString(CultureInfo.InvariantCulture));
            w.WriteLine(sb);
        }
    }

    /// <summary>The baseline: the same 64-32-1 network and Adam, a plain loop over a prepared tensor.</summary>
    private static double BareLoop(float[] xData, float[] yData, int rows, int features, int trainRows, int epochs, int batch)
    {
        using var x = torch.tensor(xData.AsSpan(0, trainRows * features).ToArray(), [trainRows, features]);
        using var y = torch.tensor(yData.AsSpan(0, trainRows).ToArray(), [trainRows, 1]);
        using var net = nn.Sequential(nn.Linear(features, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1));
        return BareTraining.RowsPerSecond(net, x, y, epochs, batch, seed: 3);
    }
}
