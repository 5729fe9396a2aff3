using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Models;
using AntiNex.Requests;

namespace AntiNex.Gateway.Http.Api;

/// <summary>What any model node would refuse of a train request at once, found before an API job exists: the engine's own
/// parser names the fields at fault, and a request too large for one cluster message is refused. Left to the node that
/// trains: the engine limits each node sets for itself (below), and its dataset (presence on its data roots, size, values),
/// which it alone sees. The label's rule and length are checked before, with the request's reading.</summary>
internal static class TrainRequestCheck
{
    public static ModelFailed? Refusal(RequestFile request, FrameBudget frame)
    {
        if (frame.CheckJson(request.ModelId, request.Json, "train request (put large data in a dataset file on the nodes' data roots)",
                null) is { } tooLarge)
            return tooLarge;
        try
        {
            // The nodes may run with limits of their own (epochs, layer sizes, ...): those are theirs to apply. The label's
            // length is checked before (see AntiNexEndpoints): a label names an entity of the whole cluster.
            AntiNexRequest.Parse(request.Json, RequestFile.NodesDecide, out _);
            return null;
        }
        catch (Exception e) when (ModelFailed.Unreadable(request.ModelId, e, null) is { } refused)
        {
            return refused;
        }
    }
}
