using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    private readonly bool _tls;
    private string[] _bind = ["127.0.0.1"];
    private Process? _process;

    private RedisServer(string directory, bool aof, string? password, bool tls)
    {
        Directory = directory;
        _aof = aof;
        _password = password;
        _tls = tls;
    }

    public int Port { get; private set; }
    public string Directory { get; }
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>StackExchange.Redis configuration string (with the password when one is set, ssl=true with TLS).</summary>
    public string ConnectionString => ConnectionStringWithoutPassword + (_password is null ? "" : $",password={_password}");

    /// <summary>The same endpoint without credentials (to check that the server refuses them).</summary>
    public string ConnectionStringWithoutPassword => $"127.0.0.1:{Port},allowAdmin=true" + (_tls ? ",ssl=true" : "");

    /// <summary>With TLS: the PEM file of the test CA that signed the server certificate (trust it to connect).</summary>
    public string? CaCertificatePath => _tls ? Path.Combine(Directory, "ca.crt") : null;

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
    /// <param name="aof">append-only file on (appendfsync always): data survives <see cref="Restart"/>.</param>
    /// <param name="password">requirepass.</param>
    /// <param name="tls">TLS only (no plaintext port), with a fresh test CA (<see cref="CaCertificatePath"/>).</param>
    /// <param name="alsoBind">more addresses to listen on besides loopback (nodes in a network namespace).</param>
    public static RedisServer Start(bool aof = false, string? password = null, bool tls = false, string? alsoBind = null)
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException(
                $"redis-server not found at {Executable}; install it (apt-get install redis-server) or set REDIS_SERVER.");
        var directory = Path.Combine(Path.GetTempPath(), "antinex-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisServer(directory, aof, password, tls) { _bind = alsoBind is null ? ["127.0.0.1"] : ["127.0.0.1", alsoBind] };
        if (tls) server.WriteTestCertificates();
        // A port taken between its reservation and redis-server's bind: start again on another one.
        FreePorts.Start(port =>
        {
            server.Port = port;
            server.Launch();
            return port;
        });
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
        if (_tls)
            foreach (var arg in new[] { "--tls-port", Port.ToString(), "--tls-cert-file", "server.crt", "--tls-key-file", "server.key",
                         "--tls-ca-cert-file", "ca.crt", "--tls-auth-clients", "no" })
                info.ArgumentList.Add(arg);
        foreach (var arg in new[] { "--port", _tls ? "0" : Port.ToString(), "--bind" }.Concat(_bind).Concat(["--dir", Directory, "--save", "",
                     "--appendonly", _aof ? "yes" : "no", "--appendfsync", "always", "--daemonize", "no",
                     "--protected-mode", "no", "--logfile", Path.Combine(Directory, "redis.log"),
                     "--proto-max-bulk-len", "512mb", "--client-output-buffer-limit", "normal 0 0 0"]))
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
            {
                var log = ReadLog();
                var exitCode = _process.ExitCode;
                if (log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    Stop();
                    File.Delete(Path.Combine(Directory, "redis.log")); // the next attempt's log starts clean
                    throw new PortInUseException(Port, log);
                }
                throw new InvalidOperationException($"redis-server exited with {exitCode}: {log}");
            }
            try
            {
                var options = ConfigurationOptions.Parse(ConnectionString + ",connectTimeout=500,abortConnect=true");
                if (CaCertificatePath is { } ca) options.TrustIssuer(ca);
                using var mux = ConnectionMultiplexer.Connect(options);
                mux.GetDatabase().Ping();
                // With AOF on, redis answers LOADING until the file is read back: wait for a real reply.
                mux.GetDatabase().KeyExists("antinex:ready-probe");
                return;
            }
            catch (Exception e) { last = e; Thread.Sleep(50); }
        }
        throw new TimeoutException($"redis-server on port {Port} did not answer PING in {timeout}: {last?.Message}. {ReadLog()}");
    }

    /// <summary>A CA and a server certificate for 127.0.0.1/localhost signed by it, as PEM files in the server directory.</summary>
    private void WriteTestCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=AntiNex test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(12));

        File.WriteAllText(Path.Combine(Directory, "ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Directory, "server.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Directory, "server.key"), key.ExportPkcs8PrivateKeyPem());
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
}
