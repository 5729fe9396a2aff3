using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AntiNex.Baselines;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Requests;

// antinex-baselines: our network (the request as is, per seed) vs ML.NET FastTree and LightGBM trained on the network's
// exact feature matrices, in the same run, on the request's test_dataset and extra test files. Benchmark only.
return BaselinesCli.Run(args);

internal static class BaselinesCli
{
    private const string Usage = """
        usage: antinex-baselines -f REQUEST.json [-d DATA_ROOT]... [--seeds 1,2,3] [--also-test PATH]... [--json]
                                 [--json-out FILE] [--threads 1] [--tree-threads 1] [--models network,FastTree,LightGBM]
          -f, --file        AntiNex request (train on its dataset, test on its test_dataset or held-out split)
          -d, --data-root   folder the request's dataset paths live under (repeatable; default ../shared/datasets beside the repo)
          --seeds           request seeds to run (comma or space separated; the trees get the same seed); default 1,2,3
          --also-test       another file to evaluate every model on, e.g. nsl-kdd/KDDTest-21.txt (repeatable)
          --threads         torch threads for the network (default 1)
          --tree-threads    threads for FastTree / LightGBM (default 1)
          --models          subset of network, FastTree, LightGBM (default all three)
          --json            one JSON document on stdout instead of the tables (progress stays on stderr)
          --json-out        also write the JSON document to this file (the tables still go to stdout)
        """;

    public static int Run(string[] args)
    {
        Options o;
        try { o = Options.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"antinex-baselines: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        if (o.Help) { Console.WriteLine(Usage); return 0; }
        try { return Bench(o); }
        catch (RequestException e)
        {
            Console.Error.WriteLine($"invalid: {o.File}");
            foreach (var issue in e.Issues) Console.Error.WriteLine($"  {issue.Field}: {issue.Message}");
            return 2;
        }
    }

    private static int Bench(Options o)
    {
        var roots = new DataRoots(o.DataRoots);
        var json = File.ReadAllText(o.File);
        AntiNexRequest.Parse(json, out var warnings);
        foreach (var w in warnings) Console.Error.WriteLine($"warning: {w}");
        var results = new List<RunResult>();
        FeatureMatrices? last = null;
        var widths = new Dictionary<int, int>(); // seed -> columns: constant-column drops depend on the seed's fitting rows
        var wall = Stopwatch.StartNew();
        foreach (var seed in o.Seeds)
        {
            // The network's novelty flags per test file (when its request has a detector): the trees get the same
            // detector on top, so the table separates what the detector adds from what the classifier adds.
            var novelty = new Dictionary<int, (bool[] Flags, int Class)>();
            var request = AntiNexRequest.Parse(json, out _);
            request.Seed = seed;
            // The exact matrices the network trains and tests on (the seed picks the row order and validation carve).
            var export = Stopwatch.StartNew();
            var m = FeatureExport.Build(request, roots, o.AlsoTest);
            if (m.Task == TaskKind.Regression)
                throw new RequestException("ml_type",
                    "the baselines compare classifiers; a regression request has no accuracy, precision or recall to compare");
            last = m;
            widths[seed] = m.Width;
            Log($"seed {seed}: features exported: {m.Train.Rows} training rows ({m.FitRows} fit + {m.ValidationRows} validation) x {m.Width} " +
                $"columns; " +
                string.Join(", ", m.Tests.Select(t => $"{t.Name} {t.Rows} rows")) + $" ({export.Elapsed.TotalSeconds:0.0} s)");

            if (o.Models.Contains("network"))
            {
                var sw = Stopwatch.StartNew();
                var progress = new LineProgress(p => Log(p.Epochs == 0 ? $"seed {seed} network: {p.Message}"
                    : $"seed {seed} network: {p.Phase} epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.0000}" +
                        (p.ValLoss is { } vl ? $" val_loss {vl:0.0000}" : "")));
                var outcome = TrainingEngine.Train(request, roots, new EngineOptions { TorchThreads = o.Threads }, progress, default);
                // The engine's own fit time (every epoch, its validation passes and ensemble members), without data loading;
                // with model_kind auto, the candidates' fits on the inner validation too.
                var seconds = outcome.Report.FitSeconds + (outcome.Report.Selection?.Seconds ?? 0);
                using var model = TrainedModel.Load(outcome.Artifact, new EngineOptions { TorchThreads = o.Threads });
                // model_kind auto may choose another scaler than the request's: score the model on its own pipeline's rows.
                var own = outcome.Report.Selection is null ? m : FeatureExport.BuildFor(model, request, roots, o.AlsoTest);
                for (int t = 0; t < m.Tests.Count; t++)
                {
                    var s = FeatureExport.Score(model, own.Tests[t]);
                    if (s is { Novel: { } flags, NovelClass: { } novelClass }) novelty[t] = (flags, novelClass);
                    var name = outcome.Report.Selection is null ? "network" : "auto";
                    var r = RunResult.Of(name, seed, m, t, s.Predicted, s.PositiveScore, seconds) with { EpochsRun = outcome.Report.EpochsRun,
                        Threshold = s.Threshold, Chosen = outcome.Report.Selection?.Winner };
                    // Guard: the exported matrices must reproduce the engine's own report, else the comparison is void.
                    if (t == 0 && outcome.Report.Accuracy is { } reported && Math.Abs(reported - r.Accuracy) > 1e-9)
                    {
                        Console.Error.WriteLine(
                            $"antinex-baselines: exported features are out of step with the engine: network accuracy {r.Accuracy} on the exported " +
                            $"rows, {reported} in the engine's report");
                        return 3;
                    }
                    results.Add(r);
                }
                Log($"seed {seed} network: {sw.Elapsed.TotalSeconds:0.0} s ({seconds:0.0} s fitting), {outcome.Report.EpochsRun} epochs, " +
                    $"{m.Tests[0].Name} accuracy {results[^m.Tests.Count].Accuracy:0.00} % (matches the engine's report)");
            }
            foreach (var tree in TreeBaselines.Names.Where(o.Models.Contains))
            {
                var sw = Stopwatch.StartNew();
                IReadOnlyList<Predictions> predictions;
                try { predictions = TreeBaselines.TrainAndPredict(tree, m, seed, o.TreeThreads); }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException || e.InnerException is DllNotFoundException)
                {
                    // lib_lightgbm.so (NuGet package LightGBM) needs OpenMP: libgomp1 on Debian.
                    Console.Error.WriteLine(
                        $"antinex-baselines: {tree}'s native library failed to load ({e.Message}); on Debian/Ubuntu: apt-get install libgomp1");
                    return 4;
                }
                var seconds = sw.Elapsed.TotalSeconds;
                var treeRow = results.Count; // its row on the first test set; the +novelty rows come after its own rows
                for (int t = 0; t < m.Tests.Count; t++)
                    results.Add(RunResult.Of(tree, seed, m, t, predictions[t].Predicted, predictions[t].PositiveScore, seconds));
                for (int t = 0; t < m.Tests.Count; t++)
                    if (novelty.TryGetValue(t, out var nv))
                    {
                        var combined = predictions[t].Predicted.Select((p, i) => nv.Flags[i] ? nv.Class : p).ToArray();
                        results.Add(RunResult.Of($"{tree}+novelty", seed, m, t, combined, predictions[t].PositiveScore, seconds));
                    }
                Log($"seed {seed} {tree}: {seconds:0.0} s, {m.Tests[0].Name} accuracy {results[treeRow].Accuracy:0.00} %");
            }
        }
        Log($"done in {wall.Elapsed.TotalSeconds:0} s");
        var report = new BenchReport(o, last!, widths, results);
        var document = JsonSerializer.Serialize(report.ToJson(), new JsonSerializerOptions { WriteIndented = true });
        if (o.JsonOut is { } path) File.WriteAllText(path, document + "\n");
        if (o.Json) Console.WriteLine(document);
        else report.Print(Console.Out);
        return 0;
    }

    private static void Log(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

    /// <summary>IProgress that runs synchronously on the training thread (Progress&lt;T&gt; would post to the pool).</summary>
    private sealed class LineProgress(Action<TrainingProgress> handler) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => handler(value);
    }
}

internal sealed record Options
{
    public string File { get; init; } = "";
    public List<string> DataRoots { get; init; } = [];
    public List<int> Seeds { get; init; } = [];
    public List<string> AlsoTest { get; init; } = [];
    public int Threads { get; init; } = 1;
    public int TreeThreads { get; init; } = 1;
    public HashSet<string> Models { get; init; } = [];
    public bool Json { get; init; }
    public string? JsonOut { get; init; }
    public bool Help { get; init; }

    public static Options Parse(string[] args)
    {
        string? file = null, jsonOut = null;
        var roots = new List<string>();
        var seeds = new List<int>();
        var also = new List<string>();
        var models = new HashSet<string>(StringComparer.Ordinal);
        int threads = 1, treeThreads = 1;
        bool json = false, help = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "-f" or "--file": file = Value(); break;
                case "-d" or "--data-root": roots.Add(Value()); break;
                case "--also-test": also.Add(Value()); break;
                case "--threads": threads = Int(Value(), "--threads", 0); break;
                case "--tree-threads": treeThreads = Int(Value(), "--tree-threads", 1); break;
                case "--json": json = true; break;
                case "--json-out": jsonOut = Value(); break;
                case "-h" or "--help": help = true; break;
                case "--seeds":
                    seeds.AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => Int(s, "--seeds", int.MinValue)));
                    while (i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture,
                        out var more)) { seeds.Add(more); i++; }
                    break;
                case "--models":
                    foreach (var name in Value().Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var known = TreeBaselines.Names.Prepend("network").FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase))
                            ?? throw new ArgumentException(
                                $"--models: unknown model '{name}' (known: network, {string.Join(", ", TreeBaselines.Names)})");
                        models.Add(known);
                    }
                    break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (help) return new Options { Help = true };
        if (file is null) throw new ArgumentException("-f REQUEST.json is required");
        if (!System.IO.File.Exists(file)) throw new ArgumentException($"-f: request file '{file}' does not exist");
        if (roots.Count == 0 && DefaultRoot() is { } d) roots.Add(d);
        if (roots.Count == 0) throw new ArgumentException("-d DATA_ROOT is required (no ../shared/datasets beside the repo)");
        foreach (var r in roots.Where(r => !Directory.Exists(r))) throw new ArgumentException($"-d: data root '{r}' does not exist");
        return new Options
        {
            File = file, DataRoots = roots, Seeds = seeds.Count > 0 ? seeds.Distinct().ToList() : [1, 2, 3], AlsoTest = also,
            Threads = threads, TreeThreads = treeThreads, Json = json, JsonOut = jsonOut,
            Models = models.Count > 0 ? models : ["network", .. TreeBaselines.Names],
        };
    }

    private static int Int(string s, string option, int min)
        => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
            ? v : throw new ArgumentException($"{option}: '{s}' is not an integer" + (min > int.MinValue ? $" >= {min}" : ""));

    /// <summary>../shared/datasets beside the folder holding AntiNex.Cluster.sln, found from the binary's folder.</summary>
    private static string? DefaultRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "AntiNex.Cluster.sln")))
            {
                var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets"));
                return Directory.Exists(shared) ? shared : null;
            }
        return null;
    }
}
