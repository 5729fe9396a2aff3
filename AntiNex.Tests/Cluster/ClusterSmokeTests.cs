using AntiNex.Cluster;
using AntiNex.Models;
using AntiNex.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

[Collection("cluster-processes")]
public sealed class ClusterSmokeTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task One_node_trains_predicts_and_describes_through_a_gateway()
    {
        var node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        var trained = await TrainAsync(gateway, "Smoke-Label");
        Assert.Equal(1, trained.Version);
        var predicted = await PredictAsync(gateway, "smoke-label ");
        Assert.Equal(8, predicted.Result.Samples.Count);
        var description = (ModelDescription)await gateway.DescribeAsync("smoke-label", AskTimeout);
        Assert.True(description.Trained);
        Assert.Equal(node.Name, description.Node);
        var raw = (RowsPredicted)await gateway.PredictRowsAsync("smoke-label", Data.RawRows(description.Summary!.InputFeatures), AskTimeout);
        Assert.Equal(8, raw.Values.Length);

        // The console's interactive mode: one join, commands from stdin, tables on stdout, errors on stderr.
        var session = await GatewayProcess.RunWithInputAsync(TimeSpan.FromMinutes(2),
            "describe Smoke-Label\nmodels\nfrobnicate\ndescribe \"unterminated\nquit\n", "interactive", "--seed-node", node.Address);
        Assert.Equal(0, session.ExitCode);
        Assert.Contains("smoke-label", session.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("1 models", session.Stdout);
        Assert.Contains("unknown command 'frobnicate'", session.Stderr);
        // A quote never closed is said as such, not as the argument the split line seems to lack.
        Assert.Contains("unterminated quote", session.Stderr);
        Assert.DoesNotContain("Required argument", session.Stderr);

        // One Redis connection per node: the persistence plugin's, which the model catalog and readiness use too.
        using var admin = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString + ",name=test-admin");
        var clients = await admin.GetServer(admin.GetEndPoints()[0]).ClientListAsync();
        var nodeClients = clients.Where(c => c.Name != "test-admin").ToList();
        Assert.Equal(["antinex-" + AntiNexClusterOptions.SystemName], nodeClients.Select(c => c.Name).Distinct());
        Assert.InRange(nodeClients.Count, 1, 2); // one multiplexer: its command connection and its subscription connection
        Passed();
    }
}
