using System.Diagnostics;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>deploy/docker/gateway-entrypoint.sh binds every command that joins the cluster to the container's address,
/// and adds nothing to the commands that do not (they would refuse an unknown --hostname).</summary>
public sealed class GatewayEntrypointTests
{
    [Theory]
    [InlineData("models", true)]
    [InlineData("predict -f r.json", true)]
    [InlineData("train -f r.json", true)]
    [InlineData("search -f r.json --trials 3", true)]
    [InlineData("queue --redis r:6379", true)]
    [InlineData("interactive", true)]
    [InlineData("bench cluster -l a", true)]
    [InlineData("train --local -f r.json", false)]
    [InlineData("bench engine", false)]
    [InlineData("bench persistence", false)]
    [InlineData("generate --rows 10 --out x.csv", false)]
    [InlineData("models --hostname 10.0.0.9", false)]
    public async Task Cluster_commands_get_the_container_address_and_the_others_nothing(string command, bool added)
    {
        // A stand-in `dotnet` on PATH prints the arguments the entry point would start the gateway with.
        var bin = Directory.CreateTempSubdirectory("antinex-entrypoint-").FullName;
        try
        {
            var fake = Path.Combine(bin, "dotnet");
            await File.WriteAllTextAsync(fake, "#!/usr/bin/env bash\nshift\necho \"$*\"\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(Repo.Root, "deploy", "docker", "gateway-entrypoint.sh"));
            foreach (var word in command.Split(' ')) info.ArgumentList.Add(word);
            info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
            info.Environment["ANTINEX_GATEWAY_HOSTNAME"] = "172.18.0.5";
            using var run = Process.Start(info)!;
            var stdout = (await run.StandardOutput.ReadToEndAsync()).Trim();
            await run.WaitForExitAsync();
            Assert.Equal(0, run.ExitCode);
            Assert.Equal(added ? $"{command} --hostname 172.18.0.5" : command, stdout);
        }
        finally { Directory.Delete(bin, recursive: true); }
    }
}
