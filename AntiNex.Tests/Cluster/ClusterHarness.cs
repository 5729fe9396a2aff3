// Real processes on loopback for the cluster tests: antinex-node processes (started with `dotnet antinex-node.dll`),
// the antinex-gateway CLI, a real redis-server (the shared RedisServer fixture) and generated training data.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AntiNex.Data.Synthetic;
using AntiNex.Models;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>One antinex-node process; its output goes to a log file (dumped into the test output on failure).</summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public int Port { get; }
    public int HealthPort { get; }
    public string LogPath { get; }
    /// <summary>The address the node binds (loopback unless a test gives it another, e.g. in a network namespace).</summary>
    public string Host { get; private init; } = "127.0.0.1";
    public string Name => $"{Host}:{Port}";
    /// <summary>The member address as the cluster reports it (akka.ssl.tcp:// when the node runs mutual TLS).</summary>
    public string Address => $"{(Tls ? "akka.ssl.tcp" : "akka.tcp")}://antinex@{Host}:{Port}";
    public bool Tls { get; private init; } = true;
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;
    public int Pid => _process.Id;

    private NodeProcess(Process process, int port, int healthPort, string logPath, StreamWriter log)
    {
        _process = process;
        Port = port;
        HealthPort = healthPort;
        LogPath = logPath;
        _log = log;
    }

    public static NodeProcess Start(string workDir, int port, IEnumerable<string> seeds, string redis, string dataRoot,
        TimeSpan stableAfter, params string[] extra) => StartOn("127.0.0.1", [], workDir, port, seeds, redis, dataRoot, stableAfter, extra);

    /// <summary>A node bound to <paramref name="host"/>, started through <paramref name="wrapper"/> (e.g. `ip netns exec NS`).</summary>
    public static NodeProcess StartOn(string host, string[] wrapper, string workDir, int port, IEnumerable<string> seeds, string redis,
        string dataRoot, TimeSpan stableAfter, params string[] extra)
    {
        using var health = FreePorts.Reserve();
        var healthPort = health.Port;
        var info = new ProcessStartInfo(wrapper.Length > 0 ? wrapper[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        foreach (var w in wrapper.Skip(1)) info.ArgumentList.Add(w);
        if (wrapper.Length > 0) info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(Repo.Dll("AntiNex.Node", "antinex-node"));
        if (host != "127.0.0.1") { info.ArgumentList.Add("--hostname"); info.ArgumentList.Add(host); }
        void Arg(string name, string value) { info.ArgumentList.Add(name); info.ArgumentList.Add(value); }
        Arg("--port", port.ToString(CultureInfo.InvariantCulture));
        Arg("--health-port", healthPort.ToString(CultureInfo.InvariantCulture));
        foreach (var seed in seeds) Arg("--seed-node", seed);
        Arg("--redis", redis);
        Arg("--data-root", dataRoot);
        Arg("--stable-after", $"{stableAfter.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
        Arg("--torch-threads", "1");
        Arg("--model-key-file", TestModelKey.FileIn(workDir));
        foreach (var e in extra) info.ArgumentList.Add(e);
        // Mutual TLS like every real cluster, unless the test brings its own credentials or asks for plaintext.
        if (!extra.Any(e => e is "--insecure" or "--tls-certificate"))
            foreach (var a in TestPki.Node.Args) info.ArgumentList.Add(a);
        // Small managed heaps: several nodes share the machine with the test run.
        info.Environment["DOTNET_gcServer"] = "0";
        var logPath = Path.Combine(workDir, $"node-{port}-{DateTime.UtcNow:HHmmssfff}.log");
        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        health.Release(); // held until the node is about to bind it
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        void Write(string? line) { if (line is null) return; lock (log) { try { log.WriteLine(line); } catch (ObjectDisposedException) { } } }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(process, port, healthPort, logPath, log) { Tls = !extra.Contains("--insecure"), Host = host };
    }

    /// <summary>Polls /health/ready until 200 (member Up + Redis reachable).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await ReadyPoll.UntilReadyAsync(_process, http, $"http://{Host}:{HealthPort}/health/ready", $"node {Name}", () => Tail(), timeout);
    }

    /// <summary>
    /// Waits for the process to end and for its last output lines to reach the log: HasExited turns true before the
    /// output readers have delivered the final lines (a refusal message printed just before exit).
    /// </summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); return true; }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>kill -9: no leave, no hand-off; the cluster must detect, down and move its shards.</summary>
    public void Kill9()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM: graceful leave with shard hand-off.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) kill?.WaitForExit();
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Kill9(); }
    }

    public string Tail(int lines = 40)
    {
        try
        {
            lock (_log) _log.Flush();
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e) { return e.Message; }
    }

    public void Dispose()
    {
        try { Kill9(); } catch (InvalidOperationException) { }
        lock (_log) _log.Dispose();
        _process.Dispose();
    }
}

/// <summary>Generated training data (no ../shared needed) and the requests the tests send.</summary>
public sealed class TestData
{
    public static readonly string[] Features =
    [
        "ip_len", "ip_tos", "ip_ihl", "eth_type", "tcp_dport", "tcp_sport", "tcp_seq", "tcp_fields_options.WScale",
        "tcp_fields_options.MSS", "udp_len", "udp_dport", "icmp_type",
    ];

    public string Root { get; }
    public string CsvPath { get; }
    public IReadOnlyList<Dictionary<string, double>> Rows { get; }

    public TestData(string root, int rows = 400, long seed = 7)
    {
        Root = root;
        CsvPath = Path.Combine(root, "traffic.csv");
        SyntheticTraffic.WriteFile(CsvPath, rows, seed);
        var lines = File.ReadAllLines(CsvPath);
        var header = lines[0].Split(',');
        Rows = lines.Skip(1).Take(50).Select(l =>
        {
            var cells = l.Split(',');
            return header.Select((h, i) => (h, v: double.Parse(cells[i], CultureInfo.InvariantCulture))).ToDictionary(x => x.h, x => x.v);
        }).ToList();
    }

    private static string Quote(IEnumerable<string> items) => string.Join(", ", items.Select(i => $"\"{i}\""));

    public string TrainJson(string label, int epochs = 3, string? dataset = null, int neurons = 16) => $$"""
        {
          "label": "{{label}}",
          "dataset": "{{dataset ?? CsvPath}}",
          "apply_scaler": true,
          "ml_type": "classification",
          "predict_feature": "label_value",
          "features_to_process": [{{Quote(Features)}}],
          "ignore_features": ["idx"],
          "seed": 42, "test_size": 0.2, "batch_size": 32, "epochs": {{epochs}}, "num_splits": 2,
          "loss": "binary_crossentropy", "optimizer": "adam", "metrics": ["accuracy"],
          "model_desc": { "layers": [
            { "num_neurons": {{neurons}}, "init": "uniform", "activation": "relu" },
            { "num_neurons": 1, "init": "uniform", "activation": "sigmoid" } ] },
          "label_rules": { "labels": ["not_attack", "not_attack", "attack"], "label_values": [-1, 0, 1] }
        }
        """;

    public string PredictJson(string label, int rows = 8)
    {
        var predictRows = string.Join(",\n", Rows.Take(rows).Select(r =>
            "{" + string.Join(", ", Features.Append("label_value").Select(f => $"\"{f}\": {r[f].ToString(CultureInfo.InvariantCulture)}")) + "}"));
        return $$"""
            {
              "label": "{{label}}",
              "ml_type": "classification",
              "predict_feature": "label_value",
              "features_to_process": [{{Quote(Features)}}],
              "apply_scaler": true,
              "predict_rows": [{{predictRows}}],
              "label_rules": { "labels": ["not_attack", "not_attack", "attack"], "label_values": [-1, 0, 1] }
            }
            """;
    }

    /// <summary>Raw rows in the model's input-feature order.</summary>
    public double[][] RawRows(IReadOnlyList<string> inputFeatures, int rows = 8)
        => Rows.Take(rows).Select(r => inputFeatures.Select(f => r[f]).ToArray()).ToArray();

    /// <summary>What must stay identical across recovery/rebalance: every sample's prediction and probability.</summary>
    public static string Fingerprint(Predicted p) => string.Join(";", p.Result.Samples.Select(s =>
        $"{s.Row}:{s.Predicted.ToString("R", CultureInfo.InvariantCulture)}:{s.Probability?.ToString("R", CultureInfo.InvariantCulture)}"));
}

/// <summary>Time-stamped progress lines in the test output (these tests run for minutes).</summary>
public sealed class StepLog(ITestOutputHelper output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    public void Step(string message)
    {
        try { output.WriteLine($"[{_clock.Elapsed.TotalSeconds,7:F1}s] {message}"); } catch (InvalidOperationException) { }
    }
}
