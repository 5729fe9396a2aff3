using System.Globalization;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Deploy;

/// <summary>
/// deploy/cluster.sh and the gateways it starts: `cluster.sh gateway ...` becomes the gateway, so the pid a user holds
/// ($! of a background command) is the gateway's and a signal to it stops the gateway, not a wrapper shell. `start http`
/// starts `serve` under a loop that starts it again when the cluster removes it (exit 4), keeps serve's own pid in
/// pids/serve.pid for status and stop, and `stop all` leaves no process behind.
/// </summary>
[Collection("cluster-processes")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterScriptServeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_signal_to_the_pid_of_a_background_gateway_command_stops_the_gateway_itself()
    {
        var run = Directory.CreateTempSubdirectory("antinex-gw-pid-").FullName;
        try
        {
            // No member listens on the seed port: `models` keeps trying to join (30 s), a long-running harmless command.
            const string script = """
                alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$s" ] && [[ "$s" != Z* ]]; }
                bash "$1" gateway models >"$2/gateway.log" 2>&1 &
                pid=$! gw=""
                for _ in $(seq 1 300); do
                  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q antinex-gateway.dll; then gw=$pid
                  else gw=$(pgrep -P "$pid" -f antinex-gateway.dll || true); fi
                  [ -n "$gw" ] && break; sleep 0.1
                done
                [ -n "$gw" ] || { echo "no gateway process started"; exit 2; }
                sleep 3 # started: it handles SIGTERM
                kill -TERM "$pid"
                for _ in $(seq 1 100); do alive "$gw" || break; sleep 0.1; done
                if alive "$gw"; then echo "gateway $gw still runs after kill -TERM \$! ($pid)"; kill -KILL "$gw"; exit 1; fi
                echo "gateway stopped"
                """;
            var result = await Bash.RunAsync(["-c", script, "bash", Path.Combine(Repo.Root, "deploy/cluster.sh"), run],
                TimeSpan.FromMinutes(2), Environment(run, FreePorts.Take()));
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains("gateway stopped", result.Stdout, StringComparison.Ordinal);
        }
        finally { Directory.Delete(run, recursive: true); }
    }

    [Fact]
    public async Task Start_http_keeps_serve_running_when_the_cluster_removes_it_and_stop_all_leaves_no_process()
    {
        var run = Directory.CreateTempSubdirectory("antinex-http-sup-").FullName;
        var env = Environment(run, FreePorts.Take());
        var httpPort = int.Parse(env["ANTINEX_HTTP_PORT"]!, CultureInfo.InvariantCulture);
        var pids = Path.Combine(run, "pids");
        try
        {
            await Script(env, "start", "1");
            await Script(env, "wait-ready", "1", "120");
            var started = await Script(env, "start", "http");
            Assert.Contains("http      serving on http://127.0.0.1:" + httpPort, started, StringComparison.Ordinal);
            var loop = Pid(Path.Combine(pids, "serve-loop.pid"));
            var first = Pid(Path.Combine(pids, "serve.pid"));
            Assert.Contains("antinex-gateway.dll serve ", CommandLine(first), StringComparison.Ordinal);
            Assert.Matches($@"\nhttp +{first} +127\.0\.0\.1:{httpPort} .*serving", await Script(env, "status"));

            // Stalled past the failure detector and stable-after (as when every node dies): removed, exit 4, started anew.
            Signal("STOP", first);
            await Task.Delay(TimeSpan.FromSeconds(20));
            Signal("CONT", first);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            var second = first;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
                if (Alive(first)) continue;
                second = Pid(Path.Combine(pids, "serve.pid"));
                if (second != first && await Ready(http, httpPort)) break;
            }
            var log = File.ReadAllText(Path.Combine(run, "logs", "serve.log"));
            output.WriteLine(log);
            Assert.False(Alive(first), "the stalled serve still runs");
            Assert.True(second != first && Alive(second), "serve was not started again");
            Assert.True(await Ready(http, httpPort), "the new serve is not ready");
            Assert.Contains("split-brain resolution removed it", log, StringComparison.Ordinal);
            Assert.Contains("serve-loop: the cluster removed serve (exit 4): starting it again", log, StringComparison.Ordinal);
            Assert.Equal(loop, Pid(Path.Combine(pids, "serve-loop.pid")));
            Assert.Matches($@"\nhttp +{second} +127\.0\.0\.1:{httpPort} .*serving", await Script(env, "status"));

            var node = Pid(Path.Combine(pids, "node-1.pid"));
            var redis = Pid(Path.Combine(pids, "redis.pid"));
            var stopped = await Script(env, "stop", "all");
            Assert.Contains("http      stopped", stopped, StringComparison.Ordinal);
            foreach (var pid in new[] { loop, first, second, node, redis })
                Assert.False(Alive(pid), $"pid {pid} ({CommandLine(pid)}) still runs after stop all: {stopped}");
        }
        finally
        {
            await Bash.ScriptAsync("deploy/cluster.sh", ["stop", "all"], TimeSpan.FromMinutes(3), env);
            Directory.Delete(run, recursive: true);
        }
    }

    /// <summary>A run folder of its own and free ports; plaintext (no certificates to make), one seed, quick restarts.</summary>
    private static Dictionary<string, string?> Environment(string run, int basePort) => new()
    {
        ["ANTINEX_RUN_DIR"] = run, ["ANTINEX_INSECURE"] = "true", ["ANTINEX_SEED_COUNT"] = "1", ["ANTINEX_SEEDS"] = null,
        ["ANTINEX_BASE_PORT"] = basePort.ToString(CultureInfo.InvariantCulture),
        ["ANTINEX_HEALTH_BASE"] = FreePorts.Take().ToString(CultureInfo.InvariantCulture),
        ["ANTINEX_REDIS_PORT"] = FreePorts.Take().ToString(CultureInfo.InvariantCulture),
        ["ANTINEX_HTTP_PORT"] = FreePorts.Take().ToString(CultureInfo.InvariantCulture),
        ["ANTINEX_SERVE_RESTART_PAUSE"] = "1", ["ANTINEX_AcceptableHeartbeatPause"] = "3s", ["ANTINEX_StableAfter"] = "3s",
    };

    private async Task<string> Script(Dictionary<string, string?> env, params string[] args)
    {
        var result = await Bash.ScriptAsync("deploy/cluster.sh", args, TimeSpan.FromMinutes(4), env);
        output.WriteLine($"cluster.sh {string.Join(' ', args)}: exit {result.ExitCode}\n{result.Output}");
        Assert.True(result.ExitCode == 0, $"cluster.sh {string.Join(' ', args)}: exit {result.ExitCode}: {result.Output}");
        return result.Output;
    }

    private static async Task<bool> Ready(HttpClient http, int port)
    {
        try { return (await http.GetAsync($"http://127.0.0.1:{port}/v2/health/ready")).IsSuccessStatusCode; }
        catch (HttpRequestException) { return false; }
        catch (TaskCanceledException) { return false; }
    }

    private static int Pid(string file) => int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Running (a zombie is not: it has exited and waits for its parent).</summary>
    private static bool Alive(int pid)
    {
        try { return !File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z'); }
        catch (IOException) { return false; }
    }

    private static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
    }

    private static void Signal(string name, int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{name}", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
