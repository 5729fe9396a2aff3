using AntiNex.Gateway.Cluster;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>A request waiting in a gateway whose actor system stops (a shutdown, or the cluster downed it) fails as
/// unavailable instead of waiting forever, and every later one fails at once: its messages would be dead letters.</summary>
[Collection("cluster-processes")]
public sealed class GatewayStopTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task A_request_waiting_when_the_gateway_stops_fails_as_unavailable_and_a_later_one_fails_at_once()
    {
        var gateway = await StartLoneGatewayAsync(); // no model node: nothing ever answers
        var waiting = gateway.DescribeAsync("nowhere", TimeSpan.FromMinutes(10));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);
        Assert.False(gateway.Stopping);

        await gateway.DisposeAsync();
        var failed = await Assert.ThrowsAsync<ClusterUnavailableException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("no longer a member of the cluster", failed.Message, StringComparison.Ordinal);
        Assert.True(gateway.Stopping);
        var later = gateway.DescribeAsync("nowhere", TimeSpan.FromMinutes(10));
        Assert.True(later.IsFaulted);
        await Assert.ThrowsAsync<ClusterUnavailableException>(() => later);
        Passed();
    }
}
