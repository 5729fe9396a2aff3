using AntiNex.Gateway.Http.Dashboard;

namespace AntiNex.Tests.Http;

/// <summary>The dashboard's predict traffic counts every request of the last minute, however many: the latency samples
/// are bounded, the request and error counts are not.</summary>
public sealed class PredictTrafficTests
{
    [Fact]
    public void Requests_and_errors_are_counted_beyond_the_kept_latency_samples()
    {
        using var traffic = new PredictTraffic(new object()); // a scope no app publishes under: only the recorded samples
        const int requests = 250_000;
        for (var i = 0; i < requests; i++) traffic.Record(1.5, error: i % 10 == 0);
        var view = traffic.Snapshot();
        Assert.Equal(requests, view.Requests);
        Assert.Equal(requests / 10, view.Errors);
        Assert.Equal(1.5, view.P50Ms);
    }
}
