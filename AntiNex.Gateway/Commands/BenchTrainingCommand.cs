using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AntiNex.Data;
using AntiNex.Data.Synthetic;
using AntiNex.Learning;
using AntiNex.Requests;
using CsvHelper;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// `bench training --rows N`: figures for large training files, in one run on one generated (or given) traffic CSV:
/// CSV load rows/s and MB/s of the engine's loader vs a plain CsvHelper read loop parsing the same cells, the frame's
/// bytes vs the float32 feature matrix, and the engine's training rows/s vs a bare TorchSharp loop (same network, rows,
/// batch size, epochs and threads). Peak memory of a whole training is measured per process by deploy/lib/scale-training.sh.
/// </summary>
internal static class BenchTrainingCommand
{
    public static Command Create()
    {
        var rows = new Option<long>("--rows")
        {
            Description = "Synthetic rows to generate (ignored with --file)", DefaultValueFactory = _ => 1_000_000
        };
        var file = new Option<FileInfo?>("--file") { Description = "An AntiNex traffic CSV (label_value) instead of generating one" };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs (engine and bare loop)", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 256 };
        var rounds = new Option<int>("--rounds") { Description = "Load rounds per reader (median kept)", DefaultValueFactory = _ => 3 };
        var trainRounds = new Option<int>("--train-rounds")
        {
            Description = "Engine trainings, each paired with a bare loop (median ratio kept)", DefaultValueFactory = _ => 3
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
        var command = new Command("training",
            "Measure large trainings: CSV load vs a plain CsvHelper loop, frame memory, engine training vs bare TorchSharp.");
        foreach (var o in new Option[] { rows, file, epochs, batch, rounds, trainRounds, threads }) command.Options.Add(o);
        command.SetAction(p => Run(p.GetValue(rows), p.GetValue(file), p.GetValue(epochs), p.GetValue(batch), Math.Max(1, p.GetValue(rounds)),
            Math.Max(1, p.GetValue(trainRounds)), p.GetValue(threads)));
        return command;
    }

    private static int Run(long rows, FileInfo? given, int epochs, int batch, int rounds, int trainRounds, int threads)
    {
        if (given is null && (rows < 10 || rows > 10_000_000)) return Fail("--rows: between 10 and 10,000,000");
        if (epochs < 1 || batch < 1) return Fail("--epochs and --batch-size: 1 or more");
        if (given is { Exists: false }) return Fail($"--file: '{given.FullName}' does not exist");
        if (threads > 0) torch.set_num_threads(threads);
        var dir = Directory.CreateTempSubdirectory("antinex-bench-training-").FullName;
        try
        {
            var path = given?.FullName ?? Path.Combine(dir, "traffic.csv");
            if (given is null)
            {
                var g = Stopwatch.StartNew();
                SyntheticTraffic.WriteFile(path, rows, SyntheticTraffic.DefaultSeed);
                Console.Error.WriteLine($"generated {rows:N0} rows in {g.Elapsed.TotalSeconds:0.0} s");
            }
            long bytes = new FileInfo(path).Length;
            var request = Request(Path.GetFileName(path), epochs, batch);
            var roots = new DataRoots([Path.GetDirectoryName(path)!]);
            var plan = request.FeaturesToProcess.Select(f => new ColumnPlan(f, ColumnKind.Numeric, "features_to_process"))
                .Append(new ColumnPlan(TrafficSchema.LabelColumn, ColumnKind.Text, "predict_feature")).ToList();

            // Load: the plain loop and the engine's loader alternate, so both see the same machine load; medians kept.
            var plain = new List<double>();
            var engine = new List<double>();
            int fileRows = 0;
            long frameBytes = 0;
            for (int round = 0; round < rounds; round++)
            {
                var t = Stopwatch.StartNew();
                fileRows = PlainLoop(path, plan);
                plain.Add(t.Elapsed.TotalSeconds);
                t.Restart();
                // As a training reads it: the features into one row-major array (the matrix is later written over them).
                var frame = CsvLoader.Load(path, plan, hasHeader: true, null, CellRules.Default,
                    limits: EngineLimits.Current with { MaxCsvRows = int.MaxValue },
                    rowMajor: request.FeaturesToProcess);
                engine.Add(t.Elapsed.TotalSeconds);
                frameBytes = frame.NumericBytes;
                frame = null;
                GC.Collect();
            }
            double plainS = Median(plain), engineS = Median(engine);
            long matrixBytes = (long)fileRows * request.FeaturesToProcess.Count * sizeof(float);

            // Training: the bare loop runs on the engine's own exported fitting rows; each engine training is paired with
            // a bare run right after it (similar machine load), and the median of the pair ratios is kept.
            var export = FeatureExport.Build(request, roots);
            int fitRows = export.FitRows;
            BareLoop(export, 1, batch, Math.Min(fitRows, 20_000)); // warm-up: native library, allocator
            var engineRuns = new List<double>();
            var bareRuns = new List<double>();
            TrainingOutcome outcome = null!;
            for (int round = 0; round < trainRounds; round++)
            {
                outcome = TrainingEngine.Train(request, roots, new EngineOptions { TorchThreads = threads }, null, CancellationToken.None);
                engineRuns.Add(outcome.Report.RowsPerSecond);
                bareRuns.Add(BareLoop(export, epochs, batch, fitRows));
            }
            var ratios = engineRuns.Zip(bareRuns, (e, b) => e / b).ToList();
            double engineRps = Median(engineRuns), bareRps = Median(bareRuns), ratio = Median(ratios);

            var table = new Table().Title("AntiNex large-training figures").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("file", $"{fileRows:N0} rows x {request.FeaturesToProcess.Count} features, {bytes / 1048576.0:N1} MiB");
            table.AddRow($"plain CsvHelper loop (parse the same cells), median of {rounds}", Rate(fileRows, bytes, plainS));
            table.AddRow($"engine CsvLoader -> row-major float32 features, median of {rounds}", Rate(fileRows, bytes, engineS));
            table.AddRow("loader / plain loop (rows/s)", $"{plainS / engineS:0.000}");
            table.AddRow("frame numeric bytes / float32 feature matrix", $"{frameBytes / 1048576.0:N1} MiB / {matrixBytes / 1048576.0:N1} MiB " +
                $"({(double)frameBytes / matrixBytes:0.00}x)");
            table.AddRow($"training: {fitRows:N0} fitting rows, {epochs} epoch(s), batch {batch}, {threads} thread(s)",
                $"train wall {outcome.Report.TrainSeconds:0.0} s");
            table.AddRow($"engine training loop rows/s, median of {trainRounds}", $"{engineRps:N0} ({Join(engineRuns, "N0")})");
            table.AddRow($"bare TorchSharp loop rows/s, median of {trainRounds}", $"{bareRps:N0} ({Join(bareRuns, "N0")})");
            table.AddRow($"engine / bare (median of {trainRounds} paired ratios)", $"{ratio:0.000} ({Join(ratios, "0.00")})");
            table.AddRow("test accuracy %", $"{outcome.Report.Accuracy:0.00}");
            AnsiConsole.Write(table);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"figures rows={fileRows} mib={bytes / 1048576.0:0.0} plain_rows_s={fileRows / plainS:0} loader_rows_s={fileRows / engineS:0} " +
                $"load_ratio={plainS / engineS:0.000} frame_matrix_ratio={(double)frameBytes / matrixBytes:0.00} engine_rows_s={engineRps:0} " +
                $"bare_rows_s={bareRps:0} train_ratio={ratio:0.000}"));
            return ExitCodes.Ok;
        }
        catch (RequestException e)
        {
            return Fail(e.Message);
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } }
    }

    /// <summary>The synthetic demo network (128 relu + dropout 0.1, 64 relu, 1 sigmoid), one held-out split, no cross-validation.</summary>
    private static AntiNexRequest Request(string dataset, int epochs, int batch)
    {
        var features = string.Join(", ", TrafficSchema.Features.Select(f => $"\"{f}\""));
        return AntiNexRequest.Parse($$$"""
            {"label": "bench-training", "dataset": "{{{dataset}}}", "predict_feature": "{{{TrafficSchema.LabelColumn}}}",
             "features_to_process": [{{{features}}}], "apply_scaler": true,
             "epochs": {{{epochs}}}, "batch_size": {{{batch}}}, "num_splits": 0, "test_size": 0.2, "seed": 42, "max_records": 10,
             "loss": "binary_crossentropy", "optimizer": "adam",
             "model_desc": {"layers": [{"num_neurons": 128, "init": "he_uniform", "activation": "relu", "dropout": 0.1},
                                       {"num_neurons": 64, "init": "he_uniform", "activation": "relu"},
                                       {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]}}
            """, out _);
    }

    /// <summary>The baseline reader: the same CsvHelper options, every planned cell parsed (numbers) or read (text), nothing kept.</summary>
    private static int PlainLoop(string path, IReadOnlyList<ColumnPlan> plan)
    {
        using var csv = CsvReader.Create(File.OpenRead(path), new CsvReaderOptions
        {
            HasHeader = true, Separator = ',', FormatProvider = CultureInfo.InvariantCulture, TrimWhitespace = true, SkipEmptyLines = true,
        }, leaveOpen: false);
        var header = csv.Headers!.ToList();
        var numeric = plan.Where(p => p.Kind == ColumnKind.Numeric).Select(p => header.IndexOf(p.Name)).ToArray();
        var text = plan.Where(p => p.Kind == ColumnKind.Text).Select(p => header.IndexOf(p.Name)).ToArray();
        int rows = 0;
        double sum = 0;
        long chars = 0;
        while (csv.Read())
        {
            foreach (var i in numeric)
                if (double.TryParse(csv.GetSpan(i), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) sum += v;
            foreach (var i in text) chars += csv.GetString(i)?.Length ?? 0;
            rows++;
        }
        GC.KeepAlive(sum + chars);
        return rows;
    }

    /// <summary>The same network and Adam (Keras defaults) in a plain loop over the exported fitting rows.</summary>
    private static double BareLoop(FeatureMatrices data, int epochs, int batch, int rows)
    {
        int width = data.Width;
        using var x = torch.tensor(data.Train.X.AsSpan(0, rows * width).ToArray(), [rows, width]);
        using var y = torch.tensor(data.Train.Classes.AsSpan(0, rows).ToArray().Select(c => (float)c).ToArray(), [rows, 1]);
        using var net = nn.Sequential(nn.Linear(width, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1));
        return BareTraining.RowsPerSecond(net, x, y, epochs, batch, seed: 43);
    }

    private static string Rate(int rows, long bytes, double seconds)
        => $"{rows / seconds:N0} rows/s, {bytes / 1048576.0 / seconds:N1} MB/s ({seconds:0.00} s)";

    private static string Join(List<double> v, string format) => string.Join(" ", v.Select(x => x.ToString(format, CultureInfo.InvariantCulture)));

    private static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"bench training: {message}");
        return ExitCodes.BadInput;
    }
}
