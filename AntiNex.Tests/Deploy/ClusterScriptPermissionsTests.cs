using System.Diagnostics;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>
/// deploy/cluster.sh's Redis holds every stored model and the audit stream: its folder and append-only files must be
/// readable by their owner only, or the Redis password would protect nothing on a shared machine.
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
        }
        finally
        {
            await ClusterScript(run, port, "stop", "all");
            Directory.Delete(run, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> ClusterScript(string run, string redisPort, params string[] args)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Repo.Root, "deploy", "cluster.sh"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ANTINEX_RUN_DIR"] = run;
        info.Environment["ANTINEX_REDIS_PORT"] = redisPort;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout + await stderr);
    }
}
