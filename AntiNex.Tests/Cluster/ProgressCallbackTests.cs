using System.Diagnostics;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>Progress is best effort: a caller's progress callback that throws is dropped, and its request keeps its
/// reply and its deadline (a real node training a long request).</summary>
[Collection("cluster-processes")]
public sealed class ProgressCallbackTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task A_progress_callback_that_throws_is_dropped_and_the_request_keeps_its_deadline()
    {
        var node = StartNode(SeedPorts[0], "--EngineLimits:MaxEpochs", "100000");
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();

        // Far longer than the deadline: minutes of epochs on any machine.
        var timeout = TimeSpan.FromSeconds(20);
        var calls = 0;
        var clock = Stopwatch.StartNew();
        var train = gateway.TrainAsync("progress-a", Data.TrainJson("Progress-A", epochs: 20000), timeout, _ =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("a broken progress view");
        });
        await Assert.ThrowsAsync<TimeoutException>(() => train.WaitAsync(TimeSpan.FromMinutes(3)));
        Log.Step($"timed out after {clock.Elapsed.TotalSeconds:F1} s; the callback was called {calls} time(s)");
        Assert.Equal(1, calls);
        Assert.True(clock.Elapsed < timeout + TimeSpan.FromSeconds(15), $"the deadline moved: {clock.Elapsed.TotalSeconds:F1} s");
        Passed();
    }
}
