using System.Diagnostics;

namespace AntiNex.Tests.Infrastructure;

/// <summary>Runs the built antinex-gateway as a user or a script would: a separate process, optional stdin, exit code,
/// stdout, stderr.</summary>
public static class GatewayProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(TimeSpan timeout, params string[] args)
        => RunWithInputAsync(timeout, null, args).GetAwaiter().GetResult();

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args)
        => RunWithInputAsync(timeout, null, args);

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(TimeSpan timeout, string? stdin, params string[] args)
        => RunAsync(timeout, stdin, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="RunWithInputAsync"/>, with extra environment variables for the gateway.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, string? stdin,
        IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = Info(stdin is not null, args);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        // Read both pipes concurrently so a chatty process never blocks on a full pipe.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"antinex-gateway {string.Join(' ', args)} did not finish in {timeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the gateway and leaves it running (its output is read and dropped), e.g. to signal it.</summary>
    public static Process Start(params string[] args)
    {
        var process = Process.Start(Info(redirectInput: false, args)) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static ProcessStartInfo Info(bool redirectInput, string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Repo.Dll("AntiNex.Gateway", "antinex-gateway"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        info.Environment.Remove("COLUMNS"); // piped output's own width, whatever the shell that runs the tests exports
        // The test cluster's mutual TLS credentials, unless the command line chooses its own.
        if (!args.Any(a => a is "--insecure" or "--tls-certificate"))
            foreach (var (name, value) in AntiNex.Tests.Cluster.TestPki.Gateway.Environment) info.Environment[name] = value;
        return info;
    }
}
