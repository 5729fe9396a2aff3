// The web dashboard, served by `serve` itself: its static page (no key needed: it holds no data) and the few
// read-only endpoints only the page uses (model pictures, predict traffic). Everything with data needs a 'read' key.
using System.Diagnostics.Metrics;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Http.Api;
using AntiNex.Gateway.Http.Auth;
using AntiNex.Models;
using AntiNex.Requests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AntiNex.Gateway.Http.Dashboard;

public static class DashboardEndpoints
{
    public const string Path = "/dashboard/";

    /// <summary>Mounts the dashboard at / and /dashboard/, and starts measuring predict traffic.</summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        var assets = DashboardAssets.Load();
        var traffic = new PredictTraffic(app.Services.GetService<IMeterFactory>());
        app.Lifetime.ApplicationStopped.Register(traffic.Dispose);
        var plots = new ModelPlots(app.Services.GetRequiredService<GatewayClient>(), app.Services.GetRequiredService<TrainingJobs>(),
            app.Services.GetRequiredService<HttpServeOptions>());

        app.MapGet("/", () => Results.Redirect(Path)).AllowAnonymous().ExcludeFromDescription();
        // Routing treats /dashboard and /dashboard/ alike; the page's relative links need the slash.
        app.MapGet("/dashboard", (HttpContext context) => context.Request.Path.Value!.EndsWith('/')
            ? assets.Serve(context, "index.html") : Results.Redirect(Path)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(Path + "{file}", (HttpContext context, string file) => assets.Serve(context, file)).AllowAnonymous().ExcludeFromDescription();

        var api = app.MapGroup("/api").WithTags("Dashboard");
        api.MapGet("/models/{label}/plots", (HttpContext context, string label) => PlotListAsync(context, label, plots))
            .RequireScope(ApiScope.Read).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        api.MapGet("/models/{label}/plots/{kind}.png", (HttpContext context, string label, string kind) => PlotAsync(context, label, kind, plots))
            .RequireScope(ApiScope.Read).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        api.MapGet("/dashboard/predict-stats", (HttpContext context) => PredictStats(context, traffic)).RequireScope(ApiScope.Read);
        return app;
    }

    /// <summary>GET /api/dashboard/predict-stats: the gateway's predict traffic of the models the key may see.</summary>
    private static IResult PredictStats(HttpContext context, PredictTraffic traffic)
        => Results.Json(traffic.Snapshot(context.Key().LabelPattern), HttpJson.Options);

    /// <summary>GET /api/models/{label}/plots: which pictures exist for the model's current version, and why others do not.</summary>
    private static async Task<IResult> PlotListAsync(HttpContext context, string label, ModelPlots plots)
    {
        var id = PathLabel.ModelId(context, label);
        context.EnsureLabel(id);
        var sources = await plots.SourcesAsync(id);
        if (sources is null) return NotTrained(id);
        var urlBase = $"/api/models/{Uri.EscapeDataString(id)}/plots";
        return Results.Json(new PlotList(sources.Model.Label, sources.Model.Version, ModelPlots.List(sources, urlBase), ModelPlots.Note(sources)),
            HttpJson.Options);
    }

    /// <summary>GET /api/models/{label}/plots/{loss|accuracy|confusion}.png</summary>
    private static async Task<IResult> PlotAsync(HttpContext context, string label, string kind, ModelPlots plots)
    {
        var id = PathLabel.ModelId(context, label);
        context.EnsureLabel(id);
        if (kind is not (ModelPlots.Loss or ModelPlots.Accuracy or ModelPlots.Confusion))
        {
            var issue = new RequestIssue("kind", $"'{kind}' is not a picture (pictures: loss, accuracy, confusion)");
            return ApiErrors.Result(StatusCodes.Status404NotFound, issue.ToString(), "not-found", new[] { issue });
        }
        var sources = await plots.SourcesAsync(id);
        if (sources is null) return NotTrained(id);
        var png = await plots.RenderAsync(sources, kind);
        if (png is null)
        {
            var why = ModelPlots.Note(sources) ?? "nothing to draw it from";
            return ApiErrors.NotFound($"model '{id}' version {sources.Model.Version} has no {kind} picture: {why}");
        }
        context.Response.Headers.CacheControl = "private, no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(png, "image/png");
    }


    private static IResult NotTrained(string id)
        => ApiErrors.Result(StatusCodes.Status404NotFound, $"model '{id}' not found: it was never trained (or was forgotten)", "not-found");

    private sealed record PlotList(string Label, long Version, IReadOnlyList<PlotView> Plots, string? Note);
}
