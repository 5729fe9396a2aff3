using System.Diagnostics;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Models;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>A training nobody waits for any more does not hold the node's training slot: `cancel LABEL`, a passed
/// `--timeout` and a gateway ended with Ctrl-C all cancel it (real node and gateway processes).</summary>
[Collection("cluster-processes")]
public sealed class ClusterCancelTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task Cancel_command_timeout_and_ctrl_c_each_end_a_training_and_free_the_slot()
    {
        // The slow training asks for more epochs than the default limit allows: this node raises it.
        var node = StartNode(SeedPorts[0], "--training-concurrency", "1", "--EngineLimits:MaxEpochs", "1000000");
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        var slow = Path.Combine(WorkDir, "slow.json");
        await File.WriteAllTextAsync(slow, Data.TrainJson("Slow", epochs: 100_000));
        var seed = Seeds.First();

        // ---- cancel LABEL: the waiting console is told `cancelled` (exit 1); cancel itself exits 0 ----
        var train = GatewayProcess.RunAsync(TimeSpan.FromMinutes(3), "train", "-f", slow, "--seed-node", seed, "--json");
        await WaitForState(gateway, "slow", "training");
        var cancel = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "cancel", "Slow", "--seed-node", seed);
        Log.Step($"cancel: exit {cancel.ExitCode}: {cancel.Stdout.Trim()}");
        Assert.Equal(0, cancel.ExitCode);
        Assert.Contains("cancelled the running training", cancel.Stdout);
        var cancelled = await train;
        Assert.Equal(1, cancelled.ExitCode);
        Assert.Contains("\"cancelled\"", cancelled.Stdout);
        var nothing = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "cancel", "Slow", "--seed-node", seed);
        Assert.Equal(1, nothing.ExitCode);

        // ---- --timeout is a total deadline: the entity cancels the training when it passes ----
        var timedOut = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(3), "train", "-f", slow, "--seed-node", seed, "--timeout", "20s");
        // The gateway's own deadline (exit 3) and the entity's deadline cancellation (exit 1, `cancelled`) race: either
        // tells the caller the training ended at its deadline; what matters is below, that the node stopped training.
        // Without --json the console writes the failure to stderr.
        var said = timedOut.Stdout + timedOut.Stderr;
        Assert.True(timedOut.ExitCode is 3 || (timedOut.ExitCode == 1 && said.Contains("cancelled")),
            $"exit {timedOut.ExitCode}: {said}");
        await WaitForState(gateway, "slow", "idle");
        Log.Step("timed-out training cancelled on the node");

        // ---- Ctrl-C ends the gateway; the entity sees its caller gone and cancels ----
        using (var process = StartGateway("train", "-f", slow, "--seed-node", seed))
        {
            await WaitForState(gateway, "slow", "training");
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString()])) await kill.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(GatewayExit);
        }
        await WaitForState(gateway, "slow", "idle");
        Log.Step("interrupted gateway's training cancelled on the node");

        // ---- Ctrl-C on a predict of the never-trained label, which trains first: exit 130, the training cancelled ----
        using (var process = StartGateway("predict", "-f", slow, "--seed-node", seed))
        {
            await WaitForState(gateway, "slow", "training");
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString()])) await kill.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(GatewayExit);
            Assert.Equal(ExitCodes.Cancelled, process.ExitCode);
        }
        await WaitForState(gateway, "slow", "idle");
        Log.Step("interrupted predict: exit 130, its training cancelled on the node");

        // The single training slot is free: a quick training runs at once.
        var quick = await TrainAsync(gateway, "Quick");
        Assert.Equal(1, quick.Version);
        Passed();
    }

    /// <summary>How long a gateway stopped by Ctrl-C may take to exit: its leave is quick, but a loaded machine is slow.</summary>
    private static readonly TimeSpan GatewayExit = TimeSpan.FromSeconds(60);

    private static Process StartGateway(params string[] args)
    {
        // Started through `env --default-signal=INT`, as a console in a terminal is: a test run launched in the background
        // (`cmd &` in a script) passes SIGINT down ignored, .NET keeps an inherited ignore, and Ctrl-C would never arrive.
        // env execs the gateway, so the process's id is the gateway's.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(Repo.Dll("AntiNex.Gateway", "antinex-gateway"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in TestPki.Gateway.Environment) info.Environment[name] = value;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitForState(GatewayClient gateway, string id, string state)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            if (await gateway.DescribeAsync(id, AskTimeout) is ModelDescription d && (last = d.State) == state) return;
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"label {id} never reached state {state} (last: {last})");
    }
}
