using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace AntiNex.Tests.Infrastructure;

/// <summary>
/// A real redis-server for tests: its own free loopback port and temp directory, killed (and the directory
/// removed) on dispose. <see cref="Restart"/> keeps port, password and data directory, so AOF data survives it.
/// Reusable by any test (also multi-process cluster tests): <c>await using var redis = RedisServer.Start();</c>
/// </summary>
public sealed class RedisServer : IDisposable, IAsyncDisposable
{
    public const string DefaultExecutable = "/usr/bin/redis-server";

    private readonly bool _aof;
    private readonly string? _password;
    private Process? _process;

    private RedisServer(int port, string directory, bool aof, string? password)
    {
        Port = port;
        Directory = directory;
        _aof = aof;
        _password = password;
    }

    public int Port { get; }
    public string Directory { get; }
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>StackExchange.Redis configuration string (with the password when one is set).</summary>
    public string ConnectionString => _password is null
        ? $"127.0.0.1:{Port},allowAdmin=true"
        : $"127.0.0.1:{Port},allowAdmin=true,password={_password}";

    /// <summary>The same endpoint without credentials (to check that the server refuses them).</summary>
    public string ConnectionStringWithoutPassword => $"127.0.0.1:{Port},allowAdmin=true";

    /// <summary>$REDIS_SERVER, else /usr/bin/redis-server, else redis-server found on PATH.</summary>
    public static string Executable
    {
        get
        {
            if (Environment.GetEnvironmentVariable("REDIS_SERVER") is { Length: > 0 } path) return path;
            if (File.Exists(DefaultExecutable)) return DefaultExecutable;
            return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "redis-server")).FirstOrDefault(File.Exists) ?? DefaultExecutable;
        }
    }

    /// <summary>Starts redis-server on a free port and waits until it answers PING.</summary>
    public static RedisServer Start(bool aof = false, string? password = null)
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"redis-server not found at {Executable}; install it (apt-get install redis-server) or set REDIS_SERVER.");
        var directory = Path.Combine(Path.GetTempPath(), "antinex-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisServer(FreePort(), directory, aof, password);
        server.Launch();
        return server;
    }

    // AOF uses appendfsync always: with everysec Redis may postpone the write() of acknowledged commands while a
    // background fsync runs, so a kill -9 right after a write could lose it and durability tests would flake.
    private void Launch()
    {
        var info = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory, "--save", "",
                     "--appendonly", _aof ? "yes" : "no", "--appendfsync", "always", "--daemonize", "no",
                     "--protected-mode", "no", "--logfile", Path.Combine(Directory, "redis.log"),
                     "--proto-max-bulk-len", "512mb", "--client-output-buffer-limit", "normal 0 0 0" })
            info.ArgumentList.Add(arg);
        if (_password is not null) { info.ArgumentList.Add("--requirepass"); info.ArgumentList.Add(_password); }
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitForPing(TimeSpan.FromSeconds(15));
    }

    private void WaitForPing(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {ReadLog()}");
            try
            {
                using var mux = ConnectionMultiplexer.Connect(ConnectionString + ",connectTimeout=500,abortConnect=true");
                mux.GetDatabase().Ping();
                // With AOF on, redis answers LOADING until the file is read back: wait for a real reply.
                mux.GetDatabase().KeyExists("antinex:ready-probe");
                return;
            }
            catch (Exception e) { last = e; Thread.Sleep(50); }
        }
        throw new TimeoutException($"redis-server on port {Port} did not answer PING in {timeout}: {last?.Message}. {ReadLog()}");
    }

    private string ReadLog()
    {
        try { return File.ReadAllText(Path.Combine(Directory, "redis.log")); } catch { return ""; }
    }

    /// <summary>Kills the server (as a crash would: no final save).</summary>
    public void Stop()
    {
        if (_process is null) return;
        try { if (!_process.HasExited) Signal("CONT"); } catch (InvalidOperationException) { } // a paused server must still die
        try
        {
            if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(10_000); }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        _process = null;
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open but nothing answers, as with a hung server or a network black hole.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>Thaws a <see cref="Pause"/>d server (SIGCONT).</summary>
    public void Resume() => Signal("CONT");

    private void Signal(string signal)
    {
        if (_process is null) throw new InvalidOperationException("redis-server is not running");
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {_process.Id}") { UseShellExecute = false })!;
        kill.WaitForExit(5000);
    }

    /// <summary>Stops and starts again on the same port with the same settings and data directory.</summary>
    public void Restart()
    {
        Stop();
        Launch();
    }

    /// <summary>Kill and start after <paramref name="downtime"/>, e.g. to test reconnects.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        Stop();
        await Task.Delay(downtime);
        Launch();
    }

    public void Dispose()
    {
        Stop();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
