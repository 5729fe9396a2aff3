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
            var result = await Bash.ScriptAsync("deploy/cluster.sh", [command, node],
                environment: new Dictionary<string, string?> { ["ANTINEX_RUN_DIR"] = run });
            var output = result.Output;

            Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {output}");
            Assert.Contains($"cluster.sh: '{node}' is not a node number (1, 2, ...); usage: {usage}", output);
            Assert.DoesNotContain("unbound variable", output);
            Assert.Empty(Directory.GetFiles(run, "*.stopped", SearchOption.AllDirectories));
        }
        finally { Directory.Delete(run, recursive: true); }
    }
}
