using System.Text.Json.Nodes;
using AntiNex.Models;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>
/// A fast_tree model on a real node (separate process, real redis-server): trained through the gateway, described and
/// reported as trees; the node stops, a fresh node recovers the label from its Redis snapshot and predicts identically.
/// </summary>
[Collection("cluster-processes")]
public sealed class ClusterTreeModelTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private const string Label = "Trees-Label";

    [Fact]
    public async Task A_tree_model_served_by_a_node_predicts_identically_after_a_restart_from_its_snapshot()
    {
        var node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        var request = JsonNode.Parse(Data.TrainJson(Label))!.AsObject();
        request["model_kind"] = "fast_tree";
        var reply = await gateway.TrainAsync(ModelIds.FromLabel(Label), request.ToJsonString(), TrainTimeout);
        var trained = reply as ModelTrainedReply ?? throw new Xunit.Sdk.XunitException($"train: {Describe(reply)}");
        Assert.Equal("fast_tree", trained.Report.ModelKind);
        var before = await PredictAsync(gateway, Label);
        var features = ((ModelDescription)await gateway.DescribeAsync(ModelIds.FromLabel(Label), AskTimeout)).Summary!.InputFeatures;
        var rows = Data.RawRows(features);
        var rawBefore = (RowsPredicted)await gateway.PredictRowsAsync(ModelIds.FromLabel(Label), rows, AskTimeout);
        Log.Step($"fast_tree trained on {trained.Node}: accuracy {trained.Report.Accuracy}");

        await DisconnectAsync(gateway);
        await node.TerminateAsync(TimeSpan.FromSeconds(60));
        var fresh = StartNode(SeedPorts[0]);
        await fresh.WaitReadyAsync(Ready);
        gateway = await ConnectGatewayAsync();
        var after = await PredictAsync(gateway, Label);
        Assert.Equal(TestData.Fingerprint(before), TestData.Fingerprint(after));
        var rawAfter = (RowsPredicted)await gateway.PredictRowsAsync(ModelIds.FromLabel(Label), rows, AskTimeout);
        Assert.Equal(rawBefore.Values, rawAfter.Values);
        var description = (ModelDescription)await gateway.DescribeAsync(ModelIds.FromLabel(Label), AskTimeout);
        Assert.Equal("fast_tree", description.Summary!.ModelKind);
        Assert.Equal(1, description.Version);
        Log.Step("after a restart the tree model is back from its snapshot with identical predictions");
        Passed();
    }
}
