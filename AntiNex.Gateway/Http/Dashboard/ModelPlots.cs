using System.Collections.Concurrent;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Http.Api;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Reporting;

namespace AntiNex.Gateway.Http.Dashboard;

/// <summary>
/// The pictures of a model, drawn by the engine's PlotWriter: the confusion matrix from what the model keeps (its
/// metrics carry the held-out matrix), and the loss/accuracy curves from the full report of a training this gateway
/// ran for the model's current version (the model itself does not keep the per-epoch history).
/// </summary>
public sealed class ModelPlots(GatewayClient gateway, TrainingJobs jobs, HttpServeOptions options)
{
    public const string Loss = "loss", Accuracy = "accuracy", Confusion = "confusion";
    private const int MaxCached = 64;

    // One drawing per picture, however many ask for it at once (they share its task), and at most two drawings at a
    // time: a picture costs up to a second of CPU and tens of MB while it is drawn. The oldest pictures leave first.
    private readonly ConcurrentDictionary<(string Id, long Version, DateTimeOffset? TrainedUtc, string Kind), Lazy<Task<byte[]>>> _cache = new();
    private readonly ConcurrentQueue<(string Id, long Version, DateTimeOffset? TrainedUtc, string Kind)> _order = new();
    private readonly SemaphoreSlim _drawing = new(2);

    /// <summary>The model's description and the report each picture is drawn from; null when the model is not trained.</summary>
    public async Task<PlotSources?> SourcesAsync(string modelId)
    {
        var reply = await gateway.DescribeAsync(modelId, options.PredictTimeout);
        if (reply is ModelFailed failed) throw new HttpProblem(ReplyStatus.Of(failed), failed.Message, failed.Code);
        if (reply is not ModelDescription { Trained: true } model) return null;
        // A report is only trusted for the very training the model serves: same version and same measured training time
        // (a forget and a retrain elsewhere may reuse a version number).
        var report = jobs.All.Where(j => j.Label == modelId).Select(j => j.Trained)
            .FirstOrDefault(r => r is not null && r.Version == model.Version && r.Report.TrainSeconds == model.Metrics?.TrainSeconds)?.Report;
        return new PlotSources(model, report);
    }

    public static IReadOnlyList<PlotView> List(PlotSources sources, string urlBase)
    {
        var plots = new List<PlotView>();
        if (sources.Report is { History.Count: > 0 } report)
        {
            plots.Add(new PlotView(Loss, "Loss per epoch (train and validation)", $"{urlBase}/{Loss}.png"));
            if (report.History.Any(h => h.Accuracy is not null || h.ValAccuracy is not null))
                plots.Add(new PlotView(Accuracy, "Accuracy per epoch (train and validation)", $"{urlBase}/{Accuracy}.png"));
        }
        if (ConfusionOf(sources) is not null)
            plots.Add(new PlotView(Confusion, "Confusion matrix of the held-out test rows", $"{urlBase}/{Confusion}.png"));
        return plots;
    }

    /// <summary>What a reader should know about missing pictures, or null when every picture is there.</summary>
    public static string? Note(PlotSources sources)
    {
        var notes = new List<string>();
        if (sources.Report is not { History.Count: > 0 })
            notes.Add("Training curves: the model keeps its metrics and confusion matrix but not the per-epoch history; "
                + "curves are drawn for a version trained through this service since it started.");
        if (ConfusionOf(sources) is null && sources.Model.Summary?.MlType != "regression")
            notes.Add("Confusion matrix: this version was stored without one (trained before models kept it).");
        return notes.Count == 0 ? null : string.Join(" ", notes);
    }

    /// <summary>The PNG bytes of one picture, or null when the model's sources cannot draw it.</summary>
    public async Task<byte[]?> RenderAsync(PlotSources sources, string kind)
    {
        var model = sources.Model;
        var key = (ModelIds.FromLabel(model.Label), model.Version, model.TrainedUtc, kind);
        if (_cache.TryGetValue(key, out var cached)) return await cached.Value;
        var confusion = ConfusionOf(sources);
        var history = sources.Report is { History.Count: > 0 } r ? r : null;
        Func<string, string>? draw = kind switch
        {
            Confusion when confusion is not null => path => PlotWriter.WriteConfusionMatrix(confusion.Value.Matrix, confusion.Value.Names,
                model.Label, model.Metrics?.Accuracy, path),
            Loss when history is not null => path => PlotWriter.WriteLossCurve(history, path),
            Accuracy when history is not null && history.History.Any(h => h.Accuracy is not null || h.ValAccuracy is not null)
                => path => PlotWriter.WriteAccuracyCurve(history, path),
            _ => null,
        };
        if (draw is null) return null;
        var mine = new Lazy<Task<byte[]>>(() => DrawAsync(draw));
        var entry = _cache.GetOrAdd(key, mine);
        byte[] bytes;
        try { bytes = await entry.Value; }
        catch
        {
            _cache.TryRemove(KeyValuePair.Create(key, entry)); // a failed drawing is not kept: the next request tries again
            throw;
        }
        if (ReferenceEquals(entry, mine)) // the request that drew the picture queues it for eviction, once
        {
            _order.Enqueue(key);
            while (_cache.Count > MaxCached && _order.TryDequeue(out var oldest)) _cache.TryRemove(oldest, out _);
        }
        return bytes;
    }

    private async Task<byte[]> DrawAsync(Func<string, string> draw)
    {
        await _drawing.WaitAsync();
        try
        {
            // PlotWriter draws to files; a private temporary file is read back and removed (CPU-bound: off the request thread).
            return await Task.Run(() =>
            {
                var path = Path.Combine(Path.GetTempPath(), $"antinex-plot-{Guid.NewGuid():N}.png");
                try { return File.ReadAllBytes(draw(path)); }
                finally { File.Delete(path); }
            });
        }
        finally { _drawing.Release(); }
    }

    private static (int[][] Matrix, IReadOnlyList<string>? Names)? ConfusionOf(PlotSources sources)
    {
        if (sources.Report?.ConfusionMatrix is { Length: > 0 } fromReport) return (fromReport, sources.Report.ClassNames);
        if (sources.Model.Metrics?.ConfusionMatrix is { Length: > 0 } kept) return (kept, sources.Model.Metrics.ClassNames);
        return null;
    }
}

public sealed record PlotSources(ModelDescription Model, TrainingReport? Report);

public sealed record PlotView(string Kind, string Title, string Url);
