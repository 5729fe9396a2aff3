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

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(TimeSpan timeout, string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Repo.Dll("AntiNex.Gateway", "antinex-gateway"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        // The test cluster's mutual TLS credentials, unless the command line chooses its own.
        if (!args.Any(a => a is "--insecure" or "--tls-certificate"))
            foreach (var (name, value) in AntiNex.Tests.Cluster.TestPki.Gateway.Environment) info.Environment[name] = value;
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
}
