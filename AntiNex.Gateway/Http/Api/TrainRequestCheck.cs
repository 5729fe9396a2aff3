using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Models;
using AntiNex.Requests;

namespace AntiNex.Gateway.Http.Api;

/// <summary>What a model node would refuse of a train request at once, found before an API job exists: the engine's own
/// parser names the fields at fault, and a request too large for one cluster message is refused. Only the dataset's
/// presence on the nodes' data roots is left to the node, which alone sees them.</summary>
internal static class TrainRequestCheck
{
    /// <summary>The nodes may run with limits of their own (epochs, layer sizes, ...): those are theirs to apply.</summary>
    private static readonly EngineLimits NodesDecide = new()
    {
        MaxRequestBytes = int.MaxValue,
        MaxPredictRows = int.MaxValue,
        MaxCsvColumns = int.MaxValue, // also bounds name lists and predict_rows columns
        MaxLayerUnits = int.MaxValue,
        MaxNetworkParameters = long.MaxValue,
        MaxEpochs = int.MaxValue,
        MaxLabelLength = int.MaxValue,
    };

    public static ModelFailed? Refusal(RequestFile request, FrameBudget frame)
    {
        if (frame.CheckJson(request.ModelId, request.Json, "train request (put large data in a dataset file on the nodes' data roots)",
                null) is { } tooLarge)
            return tooLarge;
        try
        {
            AntiNexRequest.Parse(request.Json, NodesDecide, out _);
            return null;
        }
        catch (Exception e) when (ModelFailed.Unreadable(request.ModelId, e, null) is { } refused)
        {
            return refused;
        }
    }
}
