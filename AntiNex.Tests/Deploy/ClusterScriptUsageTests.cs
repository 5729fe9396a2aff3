using System.Diagnostics;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Deploy;

/// <summary>deploy/cluster.sh names a node by its number: a typo is a usage error naming it, not a bash error from the
/// port arithmetic with exit 0, and it leaves no stray node-*.stopped marker behind.</summary>
public sealed class ClusterScriptUsageTests
{
    [Theory]
    [InlineData("stop", "foo", "cluster.sh stop [K|http|all]")]
    [InlineData("stop", "node2", "cluster.sh stop [K|http|all]")]
    [InlineData("kill", "2x", "cluster.sh kill K")]
    [InlineData("restart", "two", "cluster.sh restart K")]
    public async Task A_node_that_is_not_a_number_is_a_usage_error_naming_it(string command, string node, string usage)
    {
        var run = Directory.CreateTempSubdirectory("antinex-usage-run-").FullName;
        try
        {
            var info = new ProcessStartInfo("bash", [Path.Combine(Repo.Root, "deploy", "cluster.sh"), command, node])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            info.Environment["ANTINEX_RUN_DIR"] = run;
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            var output = await stdout + await stderr;

            Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}: {output}");
            Assert.Contains($"cluster.sh: '{node}' is not a node number (1, 2, ...); usage: {usage}", output);
            Assert.DoesNotContain("unbound variable", output);
            Assert.Empty(Directory.GetFiles(run, "*.stopped", SearchOption.AllDirectories));
        }
        finally { Directory.Delete(run, recursive: true); }
    }
}
