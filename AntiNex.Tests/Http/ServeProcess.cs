// `antinex-gateway serve` as a real process (what an operator starts), with its output in a log file.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Http;

public sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServeProcess(Process process, string scheme, int port, string logPath, StreamWriter log)
    {
        _process = process;
        Scheme = scheme;
        Port = port;
        LogPath = logPath;
        _log = log;
    }

    public string Scheme { get; }
    public int Port { get; }
    public string LogPath { get; }
    public string BaseUrl => $"{Scheme}://127.0.0.1:{Port}";
    /// <summary>The acceptable heartbeat pause of the members the HTTP tests start (the product default is 3 s).</summary>
    public static readonly TimeSpan TestHeartbeatPause = TimeSpan.FromSeconds(10);
    public static string TestHeartbeatPauseText => $"{TestHeartbeatPause.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
    public int Pid => _process.Id;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The exit code once the process has ended by itself within <paramref name="timeout"/>; null if it still runs.</summary>
    public async Task<int?> ExitCodeWithinAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(wait.Token); }
        catch (OperationCanceledException) { return null; }
        return _process.ExitCode;
    }

    public static ServeProcess Start(string workDir, IEnumerable<string> seeds, string keysFile, params string[] extra)
        => Start("http", workDir, seeds, keysFile, extra);

    public static ServeProcess Start(string scheme, string workDir, IEnumerable<string> seeds, string keysFile, params string[] extra)
        => Start(scheme, workDir, seeds, keysFile, new Dictionary<string, string>(), extra);

    /// <param name="environment">variables set for the process beside the inherited ones.</param>
    public static ServeProcess Start(string scheme, string workDir, IEnumerable<string> seeds, string keysFile,
        IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        var port = FreePorts.Take();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Repo.Dll("AntiNex.Gateway", "antinex-gateway"));
        info.ArgumentList.Add("serve");
        foreach (var seed in seeds) { info.ArgumentList.Add("--seed-node"); info.ArgumentList.Add(seed); }
        foreach (var a in new[] { "--api-keys", keysFile, "--urls", $"{scheme}://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}" })
            info.ArgumentList.Add(a);
        foreach (var e in extra) info.ArgumentList.Add(e);
        foreach (var a in TestPki.Gateway.Args) info.ArgumentList.Add(a); // a cluster member: mutual TLS like the nodes
        info.Environment["DOTNET_gcServer"] = "0";
        // Tolerant of a loaded test machine (several clusters, trainings and a browser share two cores): a member paused
        // beyond the pause plus stable-after is downed, and a service's pause must not take the shared cluster with it.
        info.Environment["ANTINEX_AcceptableHeartbeatPause"] = TestHeartbeatPauseText;
        foreach (var (name, value) in environment) info.Environment[name] = value;
        var logPath = Path.Combine(workDir, $"serve-{port}.log");
        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        void Write(string? line) { if (line is null) return; lock (log) { try { log.WriteLine(line); } catch (ObjectDisposedException) { } } }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServeProcess(process, scheme, port, logPath, log);
    }

    /// <summary>Polls /v2/health/ready (no key) until 200.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, HttpMessageHandler? handler = null)
    {
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(2);
        await ReadyPoll.UntilReadyAsync(_process, http, $"{BaseUrl}/v2/health/ready", "serve", () => Tail(), timeout);
    }

    public string Tail(int lines = 30)
    {
        try
        {
            lock (_log) _log.Flush();
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return string.Join('\n', new StreamReader(stream).ReadToEnd().Split('\n').TakeLast(lines));
        }
        catch (IOException e) { return e.Message; }
    }

    /// <summary>Ends the process at once (SIGKILL): no shutdown code runs, as in a crash.</summary>
    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        _process.WaitForExit(15_000);
    }

    /// <summary>A client for this process, authenticated with <paramref name="secret"/>.</summary>
    public HttpClient Client(string secret)
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return http;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) term?.WaitForExit();
                if (!_process.WaitForExit(15_000)) _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException) { }
        lock (_log) _log.Dispose();
        _process.Dispose();
    }
}
