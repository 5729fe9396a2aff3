using AntiNex.Gateway.Http.Dashboard;
using AntiNex.Learning;
using AntiNex.Models;

namespace AntiNex.Tests.Http;

/// <summary>The dashboard's model pictures: requests for the same picture that arrive together share one drawing (a
/// picture costs up to a second of CPU and tens of MB), and a drawn picture is served again without drawing.</summary>
public sealed class ModelPlotsTests
{
    [Fact]
    public async Task Requests_for_one_picture_share_one_drawing()
    {
        var plots = new ModelPlots(null!, null!, null!); // drawing needs neither the cluster nor the jobs
        var matrix = Enumerable.Range(0, 40).Select(a => Enumerable.Range(0, 40).Select(p => a == p ? 50 : (a + p) % 9 == 0 ? 2 : 0).ToArray())
            .ToArray();
        var metrics = new ModelMetrics(90.0, null, null, null, null, null, null, null, null, null, 100, 40, 1, matrix,
            Enumerable.Range(0, 40).Select(i => $"class-{i}").ToList());
        var model = new ModelDescription("many", true, 3, new ModelSummary { Label = "many" }, metrics, DateTimeOffset.UnixEpoch, "n1",
            true, "idle", 0);
        var sources = new PlotSources(model, null);

        // All asked before any drawing can end (a drawing runs on the thread pool for hundreds of milliseconds).
        var pictures = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => plots.RenderAsync(sources, ModelPlots.Confusion)).ToList());

        Assert.All(pictures, p => Assert.Same(pictures[0], p));
        Assert.Same(pictures[0], await plots.RenderAsync(sources, ModelPlots.Confusion));
        Assert.Equal((byte)0x89, pictures[0]![0]); // a PNG
    }
}
