using AntiNex.Gateway.Http.Auth;
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

    [Fact]
    public void A_key_limited_to_some_labels_sees_only_the_traffic_of_those_models()
    {
        using var traffic = new PredictTraffic(new object());
        for (var i = 0; i < 5; i++) traffic.Record(10, error: false, model: "web-a");
        traffic.Record(20, error: true, model: "web-b");
        for (var i = 0; i < 7; i++) traffic.Record(500, error: false, model: "billing");
        traffic.Record(1, error: true, model: null); // a malformed body: no model named

        var web = traffic.Snapshot(new LabelPattern("web-*"));
        Assert.Equal(("web-*", 6, 1), (web.Labels, web.Requests, web.Errors));
        Assert.Equal(10, web.P50Ms);
        Assert.Equal(20, web.P99Ms);

        var every = traffic.Snapshot(new LabelPattern("web-*, *"));
        Assert.Equal(("*", 14, 2), (every.Labels, every.Requests, every.Errors));
        Assert.Equal(500, every.P99Ms);
        Assert.Equal(0, traffic.Snapshot(new LabelPattern("none-*")).Requests);
    }
}
