// `serve`'s own copies of the models: small infers answered in process equal the console's answers; a retrain through the
// service switches the copy, and once the train's reply is in no older version answers; with no copy (yet), the cluster
// answers.
using System.Net;
using System.Text.Json;
using AntiNex.Models;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    private const string LocalSuffix = "(serve's local copy)";

    [Fact]
    public async Task Local_copy_answers_exactly_as_the_console_does()
    {
        const int rows = 8;
        using var http = fx.Client("web");
        var matrix = fx.Data.RawRows(fx.InputFeatures, rows);
        var all = InferBody(matrix, fx.InputFeatures.Count, null);
        var answer = await UntilLocal(http, Model, all, "1");

        // The console path, all outputs: an AntiNex predict request with the same rows, answered by the model node.
        var reply = await fx.Gateway.PredictAsync(Model, fx.Data.PredictJson(Model, rows), TimeSpan.FromMinutes(1));
        var samples = Assert.IsType<Predicted>(reply).Result.Samples.OrderBy(s => s.Row).ToList();
        Assert.Equal(samples.Select(s => s.Predicted), Output(answer, "predicted"));
        var probability = Output(answer, "probability");
        for (var i = 0; i < rows; i++) Assert.Equal(samples[i].Probability ?? -1, probability[i], 12);
        Assert.Equal(samples.Select(s => s.LabelName ?? ""), answer.GetProperty("outputs").EnumerateArray()
            .Single(o => o.GetProperty("name").GetString() == "label").GetProperty("data").EnumerateArray().Select(v => v.GetString()));

        // `predicted` only: the node's raw-row path, value for value.
        var fast = await Send(http, "POST", $"/v2/models/{Model}/infer", InferBody(matrix, fx.InputFeatures.Count, "predicted"));
        Assert.Equal(HttpStatusCode.OK, fast.Status);
        Assert.EndsWith(LocalSuffix, ServedBy(fast.Body));
        var values = Assert.IsType<RowsPredicted>(await fx.Gateway.PredictRowsAsync(Model, matrix, TimeSpan.FromMinutes(1))).Values;
        Assert.Equal(values.Select(v => (double)v), Output(fast.Body, "predicted"));

        // A bad row gets the same refusal as from the cluster, naming the row and the feature.
        var bad = matrix.Select(r => r.ToArray()).ToArray();
        var refused = await Send(http, "POST", $"/v2/models/{Model}/infer", InferBody(bad, fx.InputFeatures.Count - 1, "predicted", dropLast: true));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
    }

    [Fact]
    public async Task Predict_api_rows_are_answered_by_the_local_copy_exactly_as_the_model_node_answers_them()
    {
        const int rows = 8;
        using var http = fx.Client("web");
        await UntilLocal(http, Model, InferBody(fx.Data.RawRows(fx.InputFeatures, 1), fx.InputFeatures.Count, "predicted"), "1");

        var local = await Send(http, "POST", "/api/predict", fx.Data.PredictJson(Model, rows));
        Assert.Equal(HttpStatusCode.OK, local.Status);
        Assert.EndsWith(LocalSuffix, local.Body.GetProperty("node").GetString());
        var reply = Assert.IsType<Predicted>(await fx.Gateway.PredictAsync(Model, fx.Data.PredictJson(Model, rows), TimeSpan.FromMinutes(1)));
        Assert.DoesNotContain(LocalSuffix, reply.Node);
        var result = local.Body.GetProperty("result");
        Assert.Equal(reply.Result.Summary, result.GetProperty("summary").GetString());
        var accuracy = result.GetProperty("accuracy");
        Assert.Equal(reply.Result.Accuracy, accuracy.ValueKind == JsonValueKind.Null ? null : accuracy.GetDouble());
        Assert.Equal(reply.Version, local.Body.GetProperty("version").GetInt64());
        var samples = result.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(reply.Result.Samples.Count, samples.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            var expected = reply.Result.Samples[i];
            Assert.Equal(expected.Row, samples[i].GetProperty("row").GetInt32());
            Assert.Equal(expected.Predicted, samples[i].GetProperty("predicted").GetDouble());
            var probability = samples[i].GetProperty("probability");
            Assert.Equal(expected.Probability, probability.ValueKind == JsonValueKind.Null ? null : probability.GetDouble());
            Assert.Equal(expected.LabelName, samples[i].GetProperty("label_name").GetString());
        }

        // A request the model refuses is still refused with the node's own words.
        var refusedJson = fx.Data.PredictJson(Model, rows).Replace("\"label_value\"", "\"\"", StringComparison.Ordinal);
        var bad = await Send(http, "POST", "/api/predict", refusedJson);
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("predict_feature", bad.Body.GetRawText());
    }

    [Fact]
    public async Task A_retrain_switches_the_local_copy_and_no_older_version_answers_after_the_train_reply()
    {
        const string label = "web-local-copy";
        using var admin = fx.Client("admin");
        using var http = fx.Client("web");
        await TrainThroughService(admin, label);
        var matrix = fx.Data.RawRows(fx.InputFeatures, 1);
        var body = InferBody(matrix, fx.InputFeatures.Count, "predicted");

        // No copy in this process yet: the cluster answers (and a load starts).
        var first = await Send(http, "POST", $"/v2/models/{label}/infer", body);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("1", first.Body.GetProperty("model_version").GetString());
        Assert.DoesNotContain(LocalSuffix, ServedBy(first.Body));
        await UntilLocal(http, label, body, "1");

        await TrainThroughService(admin, label);
        // The train's reply is in: version 1's copy never answers again, whoever does (the cluster while the copy loads).
        var servedBy = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var r = await Send(http, "POST", $"/v2/models/{label}/infer", body);
            Assert.Equal(HttpStatusCode.OK, r.Status);
            Assert.Equal("2", r.Body.GetProperty("model_version").GetString());
            servedBy.Add(ServedBy(r.Body));
        }
        output.WriteLine(string.Join("\n", servedBy.Distinct()));
        await UntilLocal(http, label, body, "2");
    }

    private async Task TrainThroughService(HttpClient admin, string label, string? json = null)
    {
        var started = await Send(admin, "POST", "/api/train", json ?? fx.Data.TrainJson(label, epochs: 2));
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        var jobId = started.Body.GetProperty("job_id").GetString()!;
        var events = await admin.GetStringAsync($"/api/jobs/{jobId}/events"); // follows the job to its end
        Assert.Contains("event: completed", events);
    }

    /// <summary>Infers until this process's own copy answers with <paramref name="version"/> (it loads in the background).</summary>
    private static async Task<JsonElement> UntilLocal(HttpClient http, string label, string body, string version)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var r = await Send(http, "POST", $"/v2/models/{label}/infer", body);
            Assert.True(r.Status == HttpStatusCode.OK, r.Body.ToString());
            if (ServedBy(r.Body).EndsWith(LocalSuffix, StringComparison.Ordinal))
            {
                Assert.Equal(version, r.Body.GetProperty("model_version").GetString());
                return r.Body;
            }
            Assert.True(DateTime.UtcNow < deadline, $"no local copy of '{label}' answered within 60 s");
            await Task.Delay(200);
        }
    }

    private static string ServedBy(JsonElement response) => response.GetProperty("parameters").GetProperty("served_by").GetString()!;

    private static string InferBody(double[][] matrix, int columns, string? output, bool dropLast = false)
    {
        var rows = dropLast ? matrix.Select(r => r[..^1]).ToArray() : matrix;
        return JsonSerializer.Serialize(new
        {
            inputs = new[] { new { name = "input0", shape = new[] { rows.Length, columns }, datatype = "FP64", data = (object)rows } },
            outputs = output is null ? null : new[] { new { name = output } },
        }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
    }
}
