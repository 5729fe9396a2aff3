using System.CommandLine;
using AntiNex.Gateway.Commands;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>In a container the nodes connect back to the gateway's own cluster address, so every command that joins the
/// cluster must bind the container's address: deploy/docker/gateway-entrypoint.sh exports it as
/// $ANTINEX_GATEWAY_HOSTNAME, and every cluster command's --hostname defaults to it (none is left on 127.0.0.1, however
/// the command tree grows), while the commands that do not join get no option they would refuse.</summary>
public sealed class GatewayEntrypointTests
{
    [Theory]
    [InlineData("models", "172.18.0.5")]
    [InlineData("train --local -f r.json", "172.18.0.5")]
    [InlineData("generate --rows 10 --out x.csv", "172.18.0.5")]
    [InlineData("models --hostname 10.0.0.9", "172.18.0.5")]
    [InlineData("serve --api-keys k.json", null)]
    public async Task The_entry_point_passes_the_arguments_unchanged_and_exports_the_container_address(string command, string? given)
    {
        // A stand-in `dotnet` on PATH prints the address it was given and the arguments the gateway would start with.
        var bin = Directory.CreateTempSubdirectory("antinex-entrypoint-").FullName;
        try
        {
            var fake = Path.Combine(bin, "dotnet");
            await File.WriteAllTextAsync(fake, "#!/usr/bin/env bash\nshift\necho \"$ANTINEX_GATEWAY_HOSTNAME|$*\"\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var environment = new Dictionary<string, string?>
            {
                ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
                [ClusterCommandOptions.HostnameVariable] = given, // null: not set
            };
            var run = await Bash.ScriptAsync("deploy/docker/gateway-entrypoint.sh", command.Split(' '), environment: environment);
            Assert.True(run.ExitCode == 0, run.Output);
            var stdout = run.Stdout.Trim();
            var expected = given ?? await ContainerAddressAsync();
            Assert.False(string.IsNullOrEmpty(expected));
            Assert.Equal($"{expected}|{command}", stdout);
        }
        finally { Directory.Delete(bin, recursive: true); }
    }

    [Fact]
    public void Every_command_that_joins_the_cluster_takes_its_address_from_the_environment_unless_given()
    {
        var withHostname = Commands(CommandCatalog.Root(), [])
            .Where(c => c.Command.Options.Any(o => o.Name == "--hostname")).ToList();
        var paths = withHostname.Select(c => string.Join(' ', c.Path)).ToList();
        string[] joining = ["models", "train", "predict", "cancel", "audit", "serve", "queue", "search", "bench cluster", "bench labels"];
        foreach (var expected in joining) Assert.Contains(expected, paths);
        // Each of them has the shared option, whose default reads the variable (the variable is not set in this process:
        // setting it here would leak into gateways other tests start meanwhile).
        var shared = new ClusterCommandOptions("30s").Hostname.Description;
        var unset = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ClusterCommandOptions.HostnameVariable));
        foreach (var (path, command) in withHostname)
        {
            Assert.Equal(shared, command.Options.First(o => o.Name == "--hostname").Description);
            var root = CommandCatalog.Root();
            if (unset) Assert.Equal("127.0.0.1", root.Parse([.. path]).GetValue<string>("--hostname"));
            Assert.Equal("10.0.0.9", root.Parse([.. path, "--hostname", "10.0.0.9"]).GetValue<string>("--hostname"));
        }
        Assert.Equal("172.18.0.5", ClusterCommandOptions.HostnameDefault(" 172.18.0.5\n"));
        Assert.Equal("127.0.0.1", ClusterCommandOptions.HostnameDefault(null));
        Assert.Equal("127.0.0.1", ClusterCommandOptions.HostnameDefault("   ")); // blank would bind every interface
    }

    [Theory]
    [InlineData("cancel", "some-label")]
    [InlineData("models")]
    public async Task A_gateway_process_binds_the_address_the_variable_names(params string[] command)
    {
        // A seed nobody answers: the command binds, tries to join, and gives up; its log says where it listened.
        var (_, stdout, stderr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), null,
            new Dictionary<string, string> { [ClusterCommandOptions.HostnameVariable] = "127.0.0.3" }, // loopback, not the default
            [.. command, "--insecure", "--seed-node", "akka.tcp://antinex@127.0.0.1:1", "--timeout", "2s", "--verbose"]);
        Assert.Contains("akka.tcp://antinex@127.0.0.3:", stdout + stderr);
    }

    private static IEnumerable<(List<string> Path, Command Command)> Commands(Command command, List<string> path)
    {
        foreach (var sub in command.Subcommands)
        {
            List<string> here = [.. path, sub.Name];
            yield return (here, sub);
            foreach (var below in Commands(sub, here)) yield return below;
        }
    }

    private static async Task<string> ContainerAddressAsync()
        => (await Bash.LineAsync("hostname -i | awk '{print $1}'")).Stdout.Trim();
}
