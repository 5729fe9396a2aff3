// A `serve` or `queue` the cluster downs (here: stopped with SIGSTOP past failure detection and stable-after, as a long
// pause or a cut-off network would) cannot join again. Each exits non-zero naming why, for its supervisor to start it
// anew, instead of answering 503 or failing every request forever; the node that downed them keeps serving and takes a
// new service at once.
using System.Diagnostics;
using System.Globalization;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Http;

[Collection("cluster-processes")] // not beside the CPU-heavy tests: its timings are the tightest of the suite
public sealed class ServeDownedTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_service_and_a_queue_consumer_the_cluster_downs_exit_with_the_unreachable_code_and_the_node_takes_a_new_service()
    {
        var work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "antinex-downed-" + Guid.NewGuid().ToString("N")[..10])).FullName;
        try
        {
            var data = new TestData(Directory.CreateDirectory(Path.Combine(work, "data")).FullName);
            using var redis = RedisServer.Start(aof: false);
            var port = FreePorts.Take();
            using var node = NodeProcess.Start(work, port, [$"akka.tcp://antinex@127.0.0.1:{port}"], redis.ConnectionString, data.Root,
                TimeSpan.FromSeconds(3));
            var keys = Path.Combine(work, "keys.json");
            var (code, _, stderr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1),
                ["serve", "keys", "add", "--id", "ops", "--scopes", "read", "--file", keys]);
            Assert.True(code == 0, stderr);
            await node.WaitReadyAsync(TimeSpan.FromSeconds(90));
            // The node's own failure detector (acceptable pause 3 s) and stable-after (3 s) decide; the service's are alike.
            var alike = new Dictionary<string, string> { ["ANTINEX_AcceptableHeartbeatPause"] = "3s", ["ANTINEX_StableAfter"] = "3s" };
            using var paused = ServeProcess.Start("http", work, [node.Address], keys, alike, "--rate-limit", "0");
            await paused.WaitReadyAsync(TimeSpan.FromSeconds(90));
            // A queue consumer beside it, paused the same way.
            var consumer = "paused-" + Guid.NewGuid().ToString("N")[..8];
            var queue = GatewayProcess.RunAsync(TimeSpan.FromMinutes(3),
                ["queue", "--seed-node", node.Address, "--redis", redis.ConnectionString, "--consumer", consumer]);
            int? found = null;
            for (var i = 0; i < 60 && found is null; i++)
            {
                await Task.Delay(500);
                found = PidOf(consumer);
            }
            var queuePid = found ?? throw new InvalidOperationException("the queue consumer did not start");
            await Task.Delay(TimeSpan.FromSeconds(10)); // joined and consuming

            Signal("STOP", paused.Pid);
            Signal("STOP", queuePid);
            await Task.Delay(TimeSpan.FromSeconds(20)); // unreachable after ~4 s, downed 3 s later
            Signal("CONT", paused.Pid);
            Signal("CONT", queuePid);

            var exit = await paused.ExitCodeWithinAsync(TimeSpan.FromSeconds(60));
            output.WriteLine(paused.Tail());
            Assert.Equal(4, exit);
            // Said from the gateway's side: it lost the others (here it stalled; when every node dies, it is the nodes).
            Assert.Contains("error (unreachable): this gateway lost contact with the cluster's other members for longer than the " +
                            "failure detector and stable-after allow, and split-brain resolution removed it", paused.Tail(),
                            StringComparison.Ordinal);
            var (queueExit, _, queueErr) = await queue;
            output.WriteLine(queueErr);
            Assert.Equal(4, queueExit);
            Assert.Contains("queue: this gateway lost contact with the cluster's other members", queueErr, StringComparison.Ordinal);
            Assert.False(node.HasExited, node.Tail());
            using var next = ServeProcess.Start("http", work, [node.Address], keys, alike, "--rate-limit", "0");
            await next.WaitReadyAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The pid of the queue consumer named <paramref name="consumer"/>, or null while it has not started.</summary>
    private static int? PidOf(string consumer)
    {
        using var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-f", "--", $"--consumer {consumer}"]) { RedirectStandardOutput = true })!;
        var pids = pgrep.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        pgrep.WaitForExit();
        return pids.Length == 1 ? int.Parse(pids[0], CultureInfo.InvariantCulture) : null;
    }

    private static void Signal(string name, int pid)
    {
        using var kill = Process.Start("kill", [$"-{name}", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
