// An AntiNex predict request (POST /api/predict) answered by `serve`'s own copy of the label's current version, when it
// only carries rows (predict_rows) and a copy is loaded: the same parser and the same predict call as the label's
// entity, so the reply is the one a model node would send. Everything else goes the cluster way, unchanged: a request
// the parser or the model refuses (the entity then names the problem itself), a dataset to read, a label never
// trained (train first), no usable copy, more rows than local copies take.
using AntiNex.Data;
using AntiNex.Gateway.Commands;
using AntiNex.Gateway.Http.Inference;
using AntiNex.Models;
using AntiNex.Requests;

namespace AntiNex.Gateway.Http.Local;

internal static class LocalPredictRequest
{
    /// <summary>Requests of more rows than this leave the connection's I/O thread (they take milliseconds).</summary>
    private const int InlineRows = 64;
    /// <summary>A node's reply holds at most this many samples (the default of the nodes' setting); so does this one.</summary>
    private const int MaxSamples = 10_000;
    private static readonly DataRoots NoDataRoots = new([]); // predict_rows only: `serve` never reads a file a caller names

    /// <summary>The reply, or null when the request must go the cluster way.</summary>
    public static async Task<Predicted?> TryAsync(RequestFile file, HttpServeOptions options, LocalModelCopies local,
        ModelMetadataCache cache, CancellationToken ct)
    {
        if (local.Capacity <= 0) return null;
        AntiNexRequest request;
        try { request = AntiNexRequest.Parse(file.Json, out _); }
        catch (RequestException) { return null; }
        if (request.PredictRows?.Rows is not { Count: > 0 } rows || rows.Count > options.LocalCopyRows) return null;
        ModelDescription description;
        try { description = await cache.GetAsync(file.ModelId, ct); }
        catch (ModelUnavailableException) { return null; }
        if (!description.Trained || local.Current(file.ModelId, description.Version) is not { } copy || copy.Version != description.Version)
            return null;
        return rows.Count <= InlineRows ? Predict(copy, request, local.ServedBy)
            : await Task.Run(() => Predict(copy, request, local.ServedBy), ct);
    }

    private static Predicted? Predict(LocalCopy copy, AntiNexRequest request, string servedBy)
    {
        try
        {
            var result = copy.Model.Predict(request, NoDataRoots);
            var omitted = Math.Max(0, result.Samples.Count - MaxSamples);
            if (omitted > 0) result = result with { Samples = result.Samples.Take(MaxSamples).ToList() };
            return new Predicted(copy.ModelId, copy.Version, result, servedBy, TrainedFirst: false, omitted, RequestId: null);
        }
        catch (ObjectDisposedException) { return null; } // the copy was retired meanwhile
        catch (RequestException) { return null; }
    }
}
