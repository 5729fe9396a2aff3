using System.Diagnostics;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>
/// deploy/cluster.sh's Redis holds every stored model and the audit stream: its folder and append-only files must be
/// readable by their owner only, or the Redis password would protect nothing on a shared machine. And the script
/// signals only the processes it started, whatever its pid files say.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // file modes: the scripts run on Linux
public sealed class ClusterScriptPermissionsTests
{
    [Fact]
    public async Task The_scripts_Redis_folder_and_append_only_files_are_the_owners_only()
    {
        var run = Directory.CreateTempSubdirectory("antinex-perm-run-").FullName;
        var port = FreePorts.Take().ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            var (code, output) = await ClusterScript(run, port, "start", "0");
            Assert.True(code == 0, output);
            var redis = Path.Combine(run, "redis");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(redis));
            var files = Directory.GetFiles(redis, "*", SearchOption.AllDirectories);
            Assert.NotEmpty(files);
            foreach (var file in files)
                Assert.True((File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) == 0,
                    $"{file} is {File.GetUnixFileMode(file)}");

            // The script knows its own Redis by its pid file and stops it.
            using var server = Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(run, "pids", "redis.pid")).Trim(),
                System.Globalization.CultureInfo.InvariantCulture));
            (code, output) = await ClusterScript(run, port, "stop", "all");
            Assert.True(code == 0 && output.Contains("redis     stopped", StringComparison.Ordinal), output);
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(10)), "redis-server still runs");
        }
        finally
        {
            await ClusterScript(run, port, "stop", "all");
            Directory.Delete(run, recursive: true);
        }
    }

    /// <summary>A pid file can outlive its process (a reboot, an OOM kill) and its number be taken by another program:
    /// every command that signals a node, Redis or the supervisor leaves such a program alone and forgets the file.</summary>
    [Fact]
    public async Task Pid_files_that_outlived_their_processes_never_signal_the_program_now_holding_the_number()
    {
        var run = Directory.CreateTempSubdirectory("antinex-pid-run-").FullName;
        var port = FreePorts.Take().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var pids = Directory.CreateDirectory(Path.Combine(run, "pids")).FullName;
        var others = Enumerable.Range(0, 4).Select(_ => Process.Start("sleep", "600")).ToList();
        try
        {
            void Stale()
            {
                string[] files = ["node-1.pid", "node-2.pid", "redis.pid", "supervise.pid"];
                for (var i = 0; i < files.Length; i++) File.WriteAllText(Path.Combine(pids, files[i]), $"{others[i].Id}\n");
            }
            Stale();
            var (code, output) = await ClusterScript(run, port, "status");
            Assert.True(code == 0 && output.Contains("stopped", StringComparison.Ordinal), output);
            Assert.DoesNotContain("ready", output, StringComparison.Ordinal);
            foreach (var command in new[] { "kill 1", "stop 2", "supervise stop", "stop all" })
            {
                Stale();
                (code, output) = await ClusterScript(run, port, command.Split(' '));
                Assert.True(code == 0, $"{command}: {output}");
                Assert.All(others, p => Assert.False(p.HasExited, $"'{command}' signalled pid {p.Id}: {output}"));
            }
            Assert.Contains("node 1    not running", output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(pids, "node-1.pid")));
        }
        finally
        {
            foreach (var p in others) { p.Kill(); p.Dispose(); }
            Directory.Delete(run, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> ClusterScript(string runDir, string redisPort, params string[] args)
    {
        var run = await Bash.ScriptAsync("deploy/cluster.sh", args, TimeSpan.FromMinutes(5),
            new Dictionary<string, string?> { ["ANTINEX_RUN_DIR"] = runDir, ["ANTINEX_REDIS_PORT"] = redisPort });
        return (run.ExitCode, run.Output);
    }
}
