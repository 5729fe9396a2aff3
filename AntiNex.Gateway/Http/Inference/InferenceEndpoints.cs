// Open Inference Protocol v2 (KServe "predict protocol v2") over REST: health, server and model metadata, model
// readiness and inference. A model's name is its label; its only version is the one it serves now.
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using AntiNex.Cluster;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Http.Auth;
using AntiNex.Gateway.Http.Local;
using AntiNex.Models;
using AntiNex.Requests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AntiNex.Gateway.Http.Inference;

public static class InferenceEndpoints
{
    public const string ServerName = "antinex-cluster";
    /// <summary>Local predicts of more rows than this leave the connection's I/O thread (they take milliseconds).</summary>
    private const int InlineRows = 64;

    public static void Map(IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").WithTags("Open Inference Protocol v2");
        v2.MapGet("/health/live", () => Results.Json(new ServerLive(true), HttpJson.Options)).AllowAnonymous().Produces<ServerLive>();
        v2.MapGet("/health/ready", Ready).AllowAnonymous().Produces<ServerReady>().Produces<ServerReady>(StatusCodes.Status503ServiceUnavailable);
        v2.MapGet("", () => Results.Json(new ServerMetadata(ServerName, ServerVersion, []), HttpJson.Options)).RequireScope(ApiScope.Read)
            .Produces<ServerMetadata>();
        foreach (var prefix in new[] { "/models/{label}", "/models/{label}/versions/{version}" })
        {
            v2.MapGet(prefix, Metadata).RequireScope(ApiScope.Read).Produces<ModelMetadata>()
                .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
            v2.MapGet(prefix + "/ready", ModelIsReady).RequireScope(ApiScope.Read).Produces<ModelReady>()
                .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
            v2.MapPost(prefix + "/infer", Infer).RequireScope(ApiScope.Predict).Produces<InferenceResponse>()
                .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge,
                    StatusCodes.Status422UnprocessableEntity);
        }
    }

    public static string ServerVersion => typeof(InferenceEndpoints).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>Ready when this gateway is an Up member and at least one model node is Up to serve.</summary>
    private static IResult Ready(GatewayClient gateway)
    {
        var cluster = Akka.Cluster.Cluster.Get(gateway.System);
        var state = cluster.State;
        var selfUp = cluster.SelfMember.Status == MemberStatus.Up;
        var modelNodes = state.Members.Count(m => m.Status == MemberStatus.Up && m.HasRole(AntiNexRoles.Model) && !state.Unreachable.Contains(m));
        if (selfUp && modelNodes > 0) return Results.Json(new ServerReady(true), HttpJson.Options);
        var why = !selfUp ? $"this gateway is {cluster.SelfMember.Status}, not Up" : "no reachable model node is Up";
        return Results.Json(new ServerReady(false, why), HttpJson.Options, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> Metadata(HttpContext context, string label, string? version, ModelMetadataCache cache)
    {
        var (id, description) = await ResolveAsync(context, label, version, cache);
        return Results.Json(ModelOutputs.Metadata(id, description), HttpJson.Options);
    }

    private static async Task<IResult> ModelIsReady(HttpContext context, string label, string? version, ModelMetadataCache cache)
    {
        var (id, _) = await ResolveAsync(context, label, version, cache);
        return Results.Json(new ModelReady(id, true), HttpJson.Options);
    }

    private static async Task Infer(HttpContext context, string label, string? version, ModelMetadataCache cache,
        GatewayClient gateway, HttpServeOptions options, LocalModelCopies local)
    {
        var (id, description) = await ResolveAsync(context, label, version, cache);
        using var body = await RequestBody.ReadBytesAsync(context);
        // The rows are read in the described version's feature order. A retrain can land between the describe and the
        // predict, and the new version may order (or choose) its features differently: its answer is thrown away and
        // the request read again with the new description, once.
        for (var attempt = 1; ; attempt++)
        {
            var summary = description.Summary!;
            var input = ReadInput(body.Span, summary);
            var available = ModelOutputs.Of(summary);
            var wanted = input.RequestedOutputs ?? available;
            for (var i = 0; i < wanted.Count; i++)
                if (!available.Contains(wanted[i]))
                    throw new InferenceInputException($"outputs[{i}].name",
                        $"'{wanted[i]}' is not an output of this model (outputs: {string.Join(", ", available)})");

            var valuesOnly = wanted.Count == 1 && wanted[0] == ModelOutputs.Predicted;
            // Small requests first try this process's own copy of the label's current version (no cluster round trip).
            // Rows beyond this process's row limit go to a model node, whose own limit decides, as /api/predict does.
            if (input.RowCount <= Math.Min(options.LocalCopyRows, EngineLimits.Current.MaxPredictRows)
                && local.Current(id, description.Version) is { } copy
                && copy.Version == description.Version // the request was read with this version's features
                && (input.RowCount <= InlineRows ? LocalInfer.TryPredict(copy, input, wanted, valuesOnly)
                    : await Task.Run(() => LocalInfer.TryPredict(copy, input, wanted, valuesOnly))) is { } answered)
            {
                await InferenceResponseWriter.WriteAsync(context, id, copy.Version, input.Id, answered, local.ServedBy);
                return;
            }
            // Categorical text (or a value beyond float32) cannot ride the float32 raw-rows block: such rows go as
            // predict_rows whatever the outputs.
            var (servedVersion, outputs, node) = valuesOnly && !input.HasText && input.FitsFloat32
                ? await PredictValuesAsync(gateway, input.ToBlock(id), options, context.RequestAborted)
                : await PredictSamplesAsync(gateway, id, summary, input, wanted, options, context.RequestAborted);
            cache.Seen(id, servedVersion);
            if (servedVersion == description.Version)
            {
                await InferenceResponseWriter.WriteAsync(context, id, servedVersion, input.Id, outputs, node);
                return;
            }
            if (attempt == 2)
                throw ReplyStatus.Problem(ModelFailed.Of(id, "busy",
                    $"model '{id}' changed version twice during the request (now version {servedVersion}); send it again"));
            (id, description) = await ResolveAsync(context, label, version, cache);
        }
    }

    private static InferenceInput ReadInput(ReadOnlySpan<byte> body, Learning.ModelSummary summary)
    {
        try { return InferenceInput.Read(body, ModelInputs.Of(summary)); }
        catch (JsonException e) { throw RequestBody.Malformed(e); }
        catch (InvalidOperationException) // a name or id escaping half a surrogate pair: the reader cannot make it a string
        {
            throw new InferenceInputException("request", "holds a string that is not valid text (an unpaired surrogate escape)");
        }
    }

    /// <summary>The fast path: raw rows to the entity's batched predictor; the predicted value per row only.</summary>
    private static async Task<(long, List<ResponseOutput>, string)> PredictValuesAsync(GatewayClient gateway, PredictRawRows block,
        HttpServeOptions options, CancellationToken aborted)
    {
        var reply = await gateway.PredictRowsAsync(block, options.PredictTimeout, ct: aborted);
        aborted.ThrowIfCancellationRequested(); // nobody to answer: ends as an aborted request, not an application error
        if (reply is not RowsPredicted predicted) throw ReplyStatus.Problem(reply);
        return (predicted.Version, [new ResponseOutput(ModelOutputs.Predicted, [predicted.Values.Length], "FP64", predicted.Values)],
            predicted.Node);
    }

    /// <summary>Rows as an AntiNex predict request (predict_rows), which answers the class name and probability too.
    /// Large batches go in slices of about 1 MB of request text (cluster messages are limited to a few MB), a few at a
    /// time, each one answered whole.</summary>
    private static async Task<(long, List<ResponseOutput>, string)> PredictSamplesAsync(GatewayClient gateway, string id,
        Learning.ModelSummary summary, InferenceInput input, IReadOnlyList<string> wanted, HttpServeOptions options, CancellationToken aborted)
    {
        var slice = Math.Clamp(1_000_000 / PredictRowsRequest.BytesPerRow(summary, input), 1, 10_000);
        var slices = Enumerable.Range(0, (input.RowCount + slice - 1) / slice)
            .Select(i => (Start: i * slice, Count: Math.Min(slice, input.RowCount - i * slice))).ToList();
        using var inFlight = new SemaphoreSlim(4);
        var replies = await Task.WhenAll(slices.Select(async part =>
        {
            // A client gone stops the slices not yet sent (the wait throws; those in flight are answered anyway).
            await inFlight.WaitAsync(aborted);
            try
            {
                // A direct ask, not a gateway session: a session re-sends a slow predict every few seconds, and a large
                // batch would then be computed again and again.
                var json = PredictRowsRequest.Json(id, summary, input, part.Start, part.Count);
                // Long text cells can make a slice outgrow one cluster message: refused at once, not dropped by the transport.
                if (gateway.Frame.CheckJson(id, json, $"slice of rows {part.Start}-{part.Start + part.Count - 1}", null) is { } tooLarge)
                    throw ReplyStatus.Problem(tooLarge);
                var reply = await gateway.Region.Ask<object>(new PredictModel(id, json), options.PredictTimeout);
                if (reply is not Predicted predicted) throw ReplyStatus.Problem(reply);
                if (predicted.Result.Samples.Count != part.Count || predicted.SamplesOmitted > 0)
                    throw new HttpProblem(StatusCodes.Status500InternalServerError,
                        $"the model answered {predicted.Result.Samples.Count} of {part.Count} rows", "internal");
                return predicted;
            }
            finally { inFlight.Release(); }
        }));
        // Every slice must come from one version: a retrain landing mid-request would mix two models' answers.
        if (replies.Min(r => r.Version) is var oldest && replies.Max(r => r.Version) is var newest && oldest < newest)
            throw ReplyStatus.Problem(ChunkedRows.ChangedVersion(id, oldest, newest));
        var samples = replies.SelectMany(r => r.Result.Samples.OrderBy(s => s.Row)).ToList();
        return (replies[0].Version, ModelOutputs.FromSamples(samples, wanted), string.Join(",", replies.Select(r => r.Node).Distinct()));
    }

    /// <summary>The model a v2 path names, checked: the key may use the label (403), it is trained (404), the
    /// version asked for is the one serving (404).</summary>
    private static async Task<(string Id, ModelDescription Description)> ResolveAsync(HttpContext context, string label, string? version,
        ModelMetadataCache cache)
    {
        var id = PathLabel.ModelId(context, label);
        context.EnsureLabel(id);
        var description = await cache.GetAsync(id, context.RequestAborted);
        if (!description.Trained || description.Summary is null)
            throw new HttpProblem(StatusCodes.Status404NotFound, $"model '{id}' not found: it was never trained (or was forgotten)", "not-found");
        if (version is not null && version != description.Version.ToString(CultureInfo.InvariantCulture))
            throw new HttpProblem(StatusCodes.Status404NotFound,
                $"model '{id}' has no version '{version}': only version {description.Version} is served", "not-found");
        return (id, description);
    }
}
