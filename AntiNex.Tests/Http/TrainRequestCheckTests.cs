using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Gateway.Http.Api;

namespace AntiNex.Tests.Http;

/// <summary>serve's check of a train request before it goes to the cluster refuses what no node could accept (an
/// unreadable request, one over a cluster message), and leaves the limits a node sets for itself to the node: a node run
/// with wider files than the default may be sent a request listing more columns than the default allows.</summary>
public sealed class TrainRequestCheckTests
{
    [Fact]
    public void Limits_the_nodes_set_for_themselves_are_left_to_them()
    {
        var names = string.Join(",", Enumerable.Range(0, 6000).Select(i => $"\"c{i}\""));
        var wide = $$"""{"label": "wide", "dataset": "d.csv", "predict_feature": "y", "features_to_process": [{{names}}], "epochs": 50000}""";
        Assert.Null(TrainRequestCheck.Refusal(new RequestFile("wide.json", wide, "wide", "wide"), new FrameBudget(4 * 1024 * 1024)));

        var bad = TrainRequestCheck.Refusal(new RequestFile("bad.json", """{"label": "bad", "epochs": "many"}""", "bad", "bad"),
            new FrameBudget(4 * 1024 * 1024));
        Assert.NotNull(bad);
        Assert.Equal("bad-request", bad.Code);
    }
}
