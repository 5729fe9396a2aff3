using System.Diagnostics;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>
/// The benchmark scripts run with every variable a user may have exported for deploy/cluster.sh (run folder, ports,
/// seeds, data root): they must take their own temporary folder and their own ports, leave the user's folder as it was,
/// never stop the user's cluster, and remove their own folder when done.
/// </summary>
public sealed class BenchIsolationTests
{
    [Theory]
    [InlineData("bench-cluster.sh")]
    [InlineData("bench-model-memory.sh")]
    [InlineData("bench-search.sh")]
    [InlineData("bench-scale.sh")]
    [InlineData("bench-http.sh")]
    [InlineData("bench-failover.sh")]
    [InlineData("bench-tls.sh")]
    public async Task A_benchmark_never_touches_the_users_run_folder_or_cluster(string script)
    {
        var user = Directory.CreateTempSubdirectory("antinex-user-run-").FullName;
        using var userNode = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!; // "node 1" of the user's cluster
        try
        {
            Directory.CreateDirectory(Path.Combine(user, "pids"));
            Directory.CreateDirectory(Path.Combine(user, "data"));
            await File.WriteAllTextAsync(Path.Combine(user, "pids", "node-1.pid"), userNode.Id.ToString());
            await File.WriteAllTextAsync(Path.Combine(user, "data", "model-data.csv"), "a,b\n1,2\n");
            var before = Snapshot(user);

            var environment = new Dictionary<string, string?>
            {
                ["ANTINEX_RUN_DIR"] = user,
                ["ANTINEX_DATA_ROOT"] = Path.Combine(user, "data"),
                ["ANTINEX_BASE_PORT"] = "4053",
                ["ANTINEX_HEALTH_BASE"] = "8560",
                ["ANTINEX_REDIS_PORT"] = "6390",
                ["ANTINEX_SEEDS"] = "akka.tcp://antinex@127.0.0.1:4053",
                ["ANTINEX_NODE_ARGS"] = "--redis 127.0.0.1:6390",
                ["ANTINEX_BENCH_SETUP_ONLY"] = "1",
            };
            var run = await Bash.ScriptAsync($"deploy/{script}", [], TimeSpan.FromMinutes(2), environment);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var settings = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

            string Value(string key) => settings.Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
            var runDir = Value("run-dir");
            Assert.False(runDir.StartsWith(user, StringComparison.Ordinal), $"{script} used the user's folder {runDir}");
            Assert.False(Directory.Exists(runDir), $"{script} left its folder {runDir} behind");
            Assert.NotEqual("4053", Value("base-port"));
            Assert.NotEqual("8560", Value("health-base"));
            Assert.NotEqual("6390", Value("redis-port"));
            Assert.DoesNotContain(settings, l => l.Contains("ANTINEX_SEEDS") || l.Contains("ANTINEX_DATA_ROOT") || l.Contains(":6390"));
            Assert.Equal(before, Snapshot(user));
            Assert.False(userNode.HasExited, $"{script} stopped the user's node");
        }
        finally
        {
            if (!userNode.HasExited) userNode.Kill();
            Directory.Delete(user, recursive: true);
        }
    }

    private static string Snapshot(string folder) => string.Join("\n", Directory
        .EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
        .Select(f => $"{Path.GetRelativePath(folder, f)}:{File.ReadAllText(f)}"));
}
