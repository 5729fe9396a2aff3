// The AntiNex API: train (a job, followed by Server-Sent Events), predict, models, forget and the cluster view. Requests
// are the original AntiNex JSON, unchanged; answers have the console's --json shape.
using System.Globalization;
using System.Net.ServerSentEvents;
using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Gateway.Http.Auth;
using AntiNex.Gateway.Http.Inference;
using AntiNex.Gateway.Http.Local;
using AntiNex.Models;
using AntiNex.Requests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AntiNex.Gateway.Http.Api;

public static class AntiNexEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("AntiNex API");
        api.MapPost("/train", Train).RequireScope(ApiScope.Train).Produces<JobView>(StatusCodes.Status202Accepted)
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge);
        api.MapGet("/jobs", Jobs).RequireScope(ApiScope.Read);
        api.MapGet("/jobs/{id}", Job).RequireScope(ApiScope.Read).Produces<JobView>().Errors(StatusCodes.Status404NotFound);
        api.MapPost("/jobs/{id}/cancel", CancelJob).RequireScope(ApiScope.Train).Produces<TrainingCancelled>()
            .Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        api.MapGet("/jobs/{id}/events", Events).RequireScope(ApiScope.Read).Produces<string>(contentType: "text/event-stream")
            .Errors(StatusCodes.Status404NotFound);
        api.MapPost("/predict", Predict).RequireScope(ApiScope.Predict).Produces<Predicted>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/models", Models).RequireScope(ApiScope.Read).Produces<ModelList>();
        api.MapGet("/models/{label}", Describe).RequireScope(ApiScope.Read).Produces<ModelDescription>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        api.MapDelete("/models/{label}", Forget).RequireScope(ApiScope.Admin).Produces<ModelForgotten>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        api.MapGet("/cluster", ClusterView).RequireScope(ApiScope.Read).Produces<ClusterStatus>();
    }

    /// <summary>A request the cluster would refuse is refused here, before any job exists: fields at fault (400), too large
    /// for one cluster message (413), or past the key's unfinished jobs (429).</summary>
    private static async Task<IResult> Train(HttpContext context, TrainingJobs jobs, GatewayClient gateway, HttpServeOptions options,
        LiveApiKeys keys)
    {
        var request = await ReadRequestAsync(context);
        if (TrainRequestCheck.Refusal(request, gateway.Frame) is { } refused) return Reply(refused);
        // The key was checked when the request arrived; its body may have taken long enough for a revoke to land meanwhile.
        var key = context.Key();
        var job = jobs.TryStart(request.ModelId, request.Json, context.Origin(), () => keys.InForce.Keys.Any(k => k.Sha256 == key.Sha256
            && k.Has(ApiScope.Train) && k.LabelPattern.Allows(request.ModelId)), out var revoked, key.Sha256);
        if (revoked)
            return ApiErrors.Result(StatusCodes.Status401Unauthorized,
                $"API key '{key.Id}' was revoked, or lost the train scope on '{request.ModelId}', while the request was read", "revoked");
        if (job is null)
            return ApiErrors.Result(StatusCodes.Status429TooManyRequests,
                $"API key '{context.Key().Id}' already has {options.JobsPerKey} unfinished training jobs: wait for one to end "
                + "(GET /api/jobs) or cancel one", "too-many-jobs");
        return Results.Json(JobView.Of(job), HttpJson.Options, statusCode: StatusCodes.Status202Accepted)
            .WithLocation($"/api/jobs/{job.Id}");
    }

    /// <summary>Most jobs a list answers (its <c>limit</c> parameter, newest first).</summary>
    internal const int MaxListedJobs = 1000;

    /// <summary>The newest jobs the key may see, without their results (a training's result carries up to 10,000 sample
    /// predictions: a list of hundreds would be hundreds of MB); <c>GET /api/jobs/{id}</c> has the result.</summary>
    private static IResult Jobs(HttpContext context, TrainingJobs jobs, int? limit)
    {
        if (limit is < 1 or > MaxListedJobs)
            throw new HttpProblem(StatusCodes.Status400BadRequest, $"limit: {limit} is not between 1 and {MaxListedJobs}", "bad-request",
                new[] { new RequestIssue("limit", $"between 1 and {MaxListedJobs}") });
        var listed = jobs.All.Where(j => context.Key().LabelPattern.Allows(j.Label)).Take(limit ?? 100)
            .Select(j => JobView.Of(j) with { Result = null });
        return Results.Json(new { jobs = listed }, HttpJson.Options);
    }

    private static IResult Job(HttpContext context, string id, TrainingJobs jobs)
    {
        var job = FindJob(context, id, jobs);
        return Results.Json(JobView.Of(job), HttpJson.Options);
    }

    /// <summary>Cancels one job's training, queued or running (other trainings of the label go on): 200 with what was
    /// cancelled, the job then ends "cancelled"; 409 when it has already ended ("finished"), is already trained and being
    /// stored ("storing"), or has not reached its model yet ("not-started", once a few seconds passed).</summary>
    private static async Task<IResult> CancelJob(HttpContext context, string id, TrainingJobs jobs, GatewayClient gateway,
        HttpServeOptions options)
    {
        var job = FindJob(context, id, jobs);
        // Just submitted (or submitted again after a restart): the model answers "queued" or "started" within moments, and
        // a cancel that reached it first would find nothing to cancel.
        if (!await job.WaitPastSubmittedAsync(NotStartedWait, context.RequestAborted))
            return ApiErrors.Result(StatusCodes.Status409Conflict,
                $"job '{id}' has not reached its model yet (state {job.State}); try again in a moment", "not-started");
        if (job.Finished)
            return ApiErrors.Result(StatusCodes.Status409Conflict, $"job '{id}' has already ended ({job.State})", "finished");
        var reply = await gateway.CancelAsync(job.Label, options.PredictTimeout, job.Id, context.Origin());
        if (reply is TrainingCancelled { Any: false } nothing)
            return ApiErrors.Result(StatusCodes.Status409Conflict, $"job '{id}': {nothing.Detail}", nothing.Storing ? "storing" : "finished");
        return Reply(reply);
    }

    private static readonly TimeSpan NotStartedWait = TimeSpan.FromSeconds(5);

    /// <summary>Server-Sent Events: queued, started, progress (one per epoch), then completed or failed. A reader that
    /// reconnects with Last-Event-ID gets only what it missed. A stream whose key is revoked (or loses the read scope or the
    /// label) ends within a second or two with a "revoked" event.</summary>
    private static IResult Events(HttpContext context, string id, TrainingJobs jobs, LiveApiKeys keys)
    {
        var job = FindJob(context, id, jobs);
        long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), out var after);
        var watch = new KeyWatch(keys, context.Key(), k => k.Has(ApiScope.Read) && k.LabelPattern.Allows(job.Label),
            KeyWatchInterval, context.RequestAborted);
        context.Response.RegisterForDisposeAsync(watch);
        return TypedResults.ServerSentEvents(Items(job, after, watch));
    }

    /// <summary>How often an open event stream looks at its key (the key file itself is read at most once a second).</summary>
    private static readonly TimeSpan KeyWatchInterval = TimeSpan.FromSeconds(1);

    private static async IAsyncEnumerable<SseItem<string>> Items(TrainingJob job, long after, KeyWatch watch)
    {
        await foreach (var e in job.EventsAsync(after, watch.Token))
            yield return new SseItem<string>(e.Data, e.Type) { EventId = e.Id == 0 ? null : e.Id.ToString(CultureInfo.InvariantCulture) };
        if (watch.Revoked)
            yield return new SseItem<string>(
                """{"error": "the API key of this stream was revoked, or no longer grants read on this job's label", "code": "revoked"}""",
                "revoked");
    }

    /// <summary>Rows-only requests are answered by `serve`'s own copy of the label when it has one (see
    /// <see cref="LocalPredictRequest"/>); all others by the label's entity or a replica.</summary>
    private static async Task<IResult> Predict(HttpContext context, GatewayClient gateway, HttpServeOptions options,
        LocalModelCopies local, ModelMetadataCache cache)
    {
        var request = await ReadRequestAsync(context);
        if (await LocalPredictRequest.TryAsync(request, options, local, cache, context.RequestAborted) is { } answered)
            return Results.Json(answered, HttpJson.Options);
        // Training a never-trained label first stores a model: only a key that may train does that.
        var reply = await gateway.PredictAsync(request.ModelId, request.Json, options.PredictTimeout, ct: context.RequestAborted,
            sessionFollowsCancel: false, origin: context.Origin(), mayTrain: context.Key().Has(ApiScope.Train));
        return Reply(reply);
    }

    private static async Task<IResult> Models(HttpContext context, GatewayClient gateway, HttpServeOptions options)
    {
        var list = await gateway.ModelsAsync(options.PredictTimeout);
        var pattern = context.Key().LabelPattern;
        // Labels the key may not see are left out of both lists: their existence is not the key's business.
        return Results.Json(list with
        {
            Models = list.Models.Where(m => pattern.Allows(ModelIds.FromLabel(m.Label))).ToList(),
            Unreachable = list.Unreachable.Where(pattern.Allows).ToList(),
        }, HttpJson.Options);
    }

    private static async Task<IResult> Describe(HttpContext context, string label, GatewayClient gateway, HttpServeOptions options)
    {
        var id = PathLabel.ModelId(context, label);
        context.EnsureLabel(id);
        var reply = await gateway.DescribeAsync(id, options.PredictTimeout);
        if (reply is ModelDescription { Trained: false })
            return ApiErrors.Result(StatusCodes.Status404NotFound, $"model '{id}' not found: it was never trained (or was forgotten)", "not-found");
        return Reply(reply);
    }

    private static async Task<IResult> Forget(HttpContext context, string label, GatewayClient gateway, HttpServeOptions options,
        ModelMetadataCache cache)
    {
        var id = PathLabel.ModelId(context, label);
        context.EnsureLabel(id);
        var reply = await gateway.ForgetAsync(id, options.PredictTimeout, context.Origin()); // drops local copies too
        cache.Forget(id);
        if (reply is ModelForgotten { Existed: false })
            return ApiErrors.Result(StatusCodes.Status404NotFound, $"model '{id}' not found: nothing to forget", "not-found");
        return Reply(reply);
    }

    private static async Task<IResult> ClusterView(GatewayClient gateway, HttpServeOptions options)
        => Results.Json(await gateway.StatusAsync(options.PredictTimeout), HttpJson.Options);

    private static IResult Reply(object reply) => reply is ModelFailed f
        ? ApiErrors.Result(ReplyStatus.Of(f), f.Message, f.Code, f.Issues.Count == 0 ? null : f.Issues)
        : Results.Json(reply, HttpJson.Options, contentType: null, statusCode: null);

    /// <summary>An AntiNex request body: JSON with a label the key may use.</summary>
    private static async Task<RequestFile> ReadRequestAsync(HttpContext context)
    {
        RequestFile request;
        try { request = RequestFile.FromJson(await RequestBody.ReadTextAsync(context), "request"); }
        catch (UsageException e) { throw new HttpProblem(StatusCodes.Status400BadRequest, e.Message, "bad-request"); }
        // Before the key's pattern: a label no node takes is the request's fault, not a model the key may not use.
        if (LabelProblem(request.Label) is { } problem)
            throw new HttpProblem(StatusCodes.Status400BadRequest, problem.ToString(), "bad-request", new[] { problem });
        context.EnsureLabel(request.ModelId);
        return request;
    }

    /// <summary>The label's rule (printable text, no square brackets) and its length limit. A label names one entity of the
    /// whole cluster, trained on one node and served by others, so its limit is the cluster's: `serve` reads it from the
    /// same ANTINEX_EngineLimits__MaxLabelLength variable as the nodes, and a train is refused here rather than as a job
    /// that fails.</summary>
    private static RequestIssue? LabelProblem(string label)
        => LabelRule.Check(label, EngineLimits.Current.MaxLabelLength) is { } problem ? new RequestIssue("label", problem) : null;

    private static TrainingJob FindJob(HttpContext context, string id, TrainingJobs jobs)
    {
        var job = jobs.Find(id);
        // A job on a label the key may not see is reported as missing, not as forbidden: its existence is not the key's business.
        if (job is null || !context.Key().LabelPattern.Allows(job.Label))
            throw new HttpProblem(StatusCodes.Status404NotFound, $"job '{id}' not found", "not-found");
        return job;
    }
}

/// <summary>GET /api/jobs/{id}: state, last progress, and the final report or error.</summary>
public sealed record JobView(string JobId, string Label, string State, string KeyId, DateTimeOffset CreatedUtc, DateTimeOffset? FinishedUtc,
    System.Text.Json.JsonElement? Progress, System.Text.Json.JsonElement? Result, JobError? Error, string Events)
{
    public static JobView Of(TrainingJob j) => new(j.Id, j.Label, j.State, j.KeyId, j.CreatedUtc, j.FinishedUtc, j.Progress, j.Result,
        j.Error, $"/api/jobs/{j.Id}/events");
}

internal static class ResultExtensions
{
    public static IResult WithLocation(this IResult result, string location) => new LocatedResult(result, location);

    private sealed class LocatedResult(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers.Location = location;
            return inner.ExecuteAsync(context);
        }
    }
}
