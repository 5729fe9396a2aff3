using System.Diagnostics;

namespace AntiNex.Tests.Infrastructure;

/// <summary>What a finished bash run wrote, and how it ended.</summary>
public sealed record BashRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Both streams, stdout first: what a script "says", and what an assertion message shows.</summary>
    public string Output => Stdout + Stderr;
}

/// <summary>Runs bash as a user or CI would: a separate process whose two streams are read while it runs (a full pipe
/// would stall it), killed with its children when it outlives its time.</summary>
public static class Bash
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(1);

    /// <summary>A script of the repository (a path under its root, e.g. "deploy/cluster.sh") with its arguments.</summary>
    public static Task<BashRun> ScriptAsync(string script, string[] args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
        => RunAsync([Path.Combine(Repo.Root, script), .. args], timeout, environment, workingDirectory);

    /// <summary>One command line (bash -c); <paramref name="args"/> are its $1, $2, ...</summary>
    public static Task<BashRun> LineAsync(string commandLine, string[]? args = null, TimeSpan? timeout = null)
        => RunAsync(["-c", commandLine, "bash", .. args ?? []], timeout);

    /// <summary>bash with these arguments. A null value in <paramref name="environment"/> removes that variable.</summary>
    public static async Task<BashRun> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("bash", args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bash {string.Join(' ', info.ArgumentList)} did not finish in {limit.TotalSeconds:0} s");
        }
        return new BashRun(process.ExitCode, await stdout, await stderr);
    }
}
