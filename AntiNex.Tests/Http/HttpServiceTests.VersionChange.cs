// A retrain that orders the label's features differently, while infers keep coming: every answer is the one its
// version gives for the named inputs, never the new version scoring rows read in the old version's order.
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiNex.Models;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    [Fact]
    public async Task Infers_across_a_retrain_that_reorders_the_features_are_each_answered_by_their_own_version()
    {
        const string label = "web-reordered";
        const int rows = 50;
        using var admin = fx.Client("admin");
        using var http = fx.Client("web");
        var trainJson = fx.Data.TrainJson(label, epochs: 2);
        await TrainThroughService(admin, label, trainJson);
        var expected = new Dictionary<string, double[]> { ["1"] = await ConsoleValues(label, rows) };
        var body = NamedInferBody(fx.InputFeatures, fx.Data.RawRows(fx.InputFeatures, rows));

        // Infers every 200 ms keep serve's description of version 1 fresh while version 2 trains and lands.
        var answers = new List<(string Version, double[] Values)>();
        using var stop = new CancellationTokenSource();
        var infers = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var r = await Send(http, "POST", $"/v2/models/{label}/infer", body);
                Assert.True(r.Status == HttpStatusCode.OK, r.Body.ToString());
                lock (answers) answers.Add((r.Body.GetProperty("model_version").GetString()!, Output(r.Body, "predicted").ToArray()));
                await Task.Delay(200);
            }
        });
        var reordered = JsonNode.Parse(trainJson)!;
        reordered["features_to_process"] = new JsonArray(fx.InputFeatures.Reverse().Select(f => (JsonNode)f!).ToArray());
        await TrainThroughService(admin, label, reordered.ToJsonString());
        var described = Assert.IsType<ModelDescription>(await fx.Gateway.DescribeAsync(label, TimeSpan.FromMinutes(1)));
        Assert.Equal(fx.InputFeatures.Reverse(), described.Summary!.InputFeatures);
        expected["2"] = await ConsoleValues(label, rows);
        // What version 2 answers for rows in version 1's order: the wrong answer this test must never see.
        var misread = Assert.IsType<RowsPredicted>(await fx.Gateway.PredictRowsAsync(label, fx.Data.RawRows(fx.InputFeatures, rows),
            TimeSpan.FromMinutes(1))).Values.Select(v => (double)v).ToArray();
        Assert.NotEqual(expected["2"], misread);
        await Task.Delay(TimeSpan.FromSeconds(2));
        stop.Cancel();
        await infers;

        lock (answers)
        {
            Assert.Contains(answers, a => a.Version == "2");
            foreach (var (version, values) in answers) Assert.Equal(expected[version], values);
        }
    }

    /// <summary>The label's current version's values for the fixture's rows, in that version's own feature order.</summary>
    private async Task<double[]> ConsoleValues(string label, int rows)
    {
        var described = Assert.IsType<ModelDescription>(await fx.Gateway.DescribeAsync(label, TimeSpan.FromMinutes(1)));
        var matrix = fx.Data.RawRows(described.Summary!.InputFeatures, rows);
        return Assert.IsType<RowsPredicted>(await fx.Gateway.PredictRowsAsync(label, matrix, TimeSpan.FromMinutes(1)))
            .Values.Select(v => (double)v).ToArray();
    }

    /// <summary>One tensor per input, named after its feature: the server places each by name.</summary>
    private static string NamedInferBody(IReadOnlyList<string> features, double[][] matrix) => JsonSerializer.Serialize(new
    {
        inputs = features.Select((f, j) => new { name = f, shape = new[] { matrix.Length }, datatype = "FP64", data = matrix.Select(r => r[j]) }),
        outputs = new[] { new { name = "predicted" } },
    });
}
