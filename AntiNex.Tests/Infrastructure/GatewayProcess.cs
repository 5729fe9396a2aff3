using System.Diagnostics;

namespace AntiNex.Tests.Infrastructure;

/// <summary>Runs the built antinex-gateway as a user or a script would: a separate process, exit code, stdout, stderr.</summary>
internal static class GatewayProcess
{
    public static (int Code, string Out, string Err) Run(TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "antinex-gateway.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in AntiNex.Tests.Cluster.TestPki.Gateway.Environment) psi.Environment[name] = value;
        using var p = Process.Start(psi)!;
        // Read both pipes concurrently so a chatty process never blocks on a full pipe.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"antinex-gateway {string.Join(' ', args)} did not finish in {timeout.TotalSeconds:0} s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
