// The HTTP service against a real cluster (redis-server, a node process, `serve` as a process): every endpoint, its
// errors, the inference protocol's objects field by field, authentication, scopes, label patterns and limits.
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Http;

[Collection("cluster-processes")]
public sealed partial class HttpServiceTests(HttpServiceFixture fx, ITestOutputHelper output) : IClassFixture<HttpServiceFixture>, IAsyncLifetime
{
    private const string Model = HttpServiceFixture.Model;

    /// <summary>Before each test: a shared cluster already broken fails the test at once, saying why (each would
    /// otherwise wait out its own timeouts).</summary>
    public async Task InitializeAsync()
    {
        if (await fx.BrokenAsync() is { } broken) throw new InvalidOperationException(broken);
    }

    /// <summary>After each test: a shared cluster left broken is described in that test's output.</summary>
    public async Task DisposeAsync()
    {
        if (await fx.BrokenAsync() is { } broken) output.WriteLine(broken);
    }

    [Fact]
    public async Task Health_endpoints_answer_without_a_key()
    {
        using var http = fx.Client(null);
        var live = await Get(http, "/v2/health/live");
        Assert.Equal(HttpStatusCode.OK, live.Status);
        AssertFields(live.Body, "live");
        Assert.True(live.Body.GetProperty("live").GetBoolean());
        var ready = await Get(http, "/v2/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        AssertFields(ready.Body, "ready");
        Assert.True(ready.Body.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task OpenApi_document_needs_a_key_with_the_read_scope()
    {
        using var predictor = fx.Client("predictor");
        var refused = await Get(predictor, "/openapi.json");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("'read' scope", refused.Body.GetProperty("error").GetString());
        using var reader = fx.Client("reader");
        Assert.Equal(HttpStatusCode.OK, (await Get(reader, "/openapi.json")).Status);
    }

    [Fact]
    public async Task Labels_with_a_slash_and_other_reserved_characters_are_routable_percent_encoded()
    {
        const string label = "Web-Team/a b?#%+&x";
        var id = label.ToLowerInvariant();
        // The console sends the model id (the label trimmed and lower-cased), as its train command does.
        var trained = await fx.Gateway.TrainAsync(id, fx.Data.TrainJson(label, epochs: 1), TimeSpan.FromMinutes(4));
        Assert.IsType<ModelTrainedReply>(trained);
        var path = Uri.EscapeDataString(label);
        Assert.Contains("%2F", path);
        using var web = fx.Client("web");

        var metadata = await Get(web, $"/v2/models/{path}");
        Assert.True(metadata.Status == HttpStatusCode.OK, metadata.Body.ToString());
        Assert.Equal(id, metadata.Body.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Get(web, $"/v2/models/{path}/ready")).Status);
        var version = metadata.Body.GetProperty("versions")[0].GetString();
        var row = string.Join(", ", fx.InputFeatures.Select((_, i) => i.ToString(CultureInfo.InvariantCulture)));
        var body = $$"""{"inputs": [{"name": "x", "shape": [1, {{fx.InputFeatures.Count}}], "datatype": "FP64", "data": [{{row}}]}]}""";
        foreach (var infer in new[] { $"/v2/models/{path}/infer", $"/v2/models/{path}/versions/{version}/infer" })
        {
            var answer = await Send(web, "POST", infer, body);
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal(id, answer.Body.GetProperty("model_name").GetString());
        }
        var described = await Get(web, $"/api/models/{path}");
        Assert.Equal(HttpStatusCode.OK, described.Status);
        Assert.Equal(id, ModelIds.FromLabel(described.Body.GetProperty("label").GetString()!));
        Assert.Equal(HttpStatusCode.OK, (await Get(web, $"/api/models/{path}/plots")).Status);

        // The unencoded form is another path, never this model; a label's lower-case form is the same model.
        Assert.Equal(HttpStatusCode.NotFound, (await Get(web, "/v2/models/Web-Team/a")).Status);
        using var admin = fx.Client("admin");
        Assert.Equal(HttpStatusCode.OK, (await Send(admin, "DELETE", $"/api/models/{Uri.EscapeDataString(id)}", null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Get(web, $"/v2/models/{path}")).Status);
    }

    [Theory]
    [InlineData("GET", "/v2")]
    [InlineData("GET", "/v2/models/web-model")]
    [InlineData("GET", "/v2/models/web-model/ready")]
    [InlineData("POST", "/v2/models/web-model/infer")]
    [InlineData("POST", "/api/train")]
    [InlineData("POST", "/api/predict")]
    [InlineData("GET", "/api/models")]
    [InlineData("DELETE", "/api/models/web-model")]
    [InlineData("GET", "/api/cluster")]
    [InlineData("GET", "/api/jobs/job-1")]
    [InlineData("POST", "/api/jobs/job-1/cancel")]
    [InlineData("GET", "/openapi.json")]
    public async Task Every_other_endpoint_refuses_a_missing_or_unknown_key_with_401(string method, string path)
    {
        using var anonymous = fx.Client(null);
        var none = await Send(anonymous, method, path, method == "GET" || method == "DELETE" ? null : "{}");
        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Contains("Authorization: Bearer", none.Body.GetProperty("error").GetString());
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.ToString());
        Assert.Equal("unauthorized", none.Body.GetProperty("code").GetString());

        using var wrong = new HttpClient { BaseAddress = new Uri(fx.Serve.BaseUrl) };
        wrong.DefaultRequestHeaders.Add("X-Api-Key", "anx_not-a-key");
        var unknown = await Send(wrong, method, path, method == "GET" || method == "DELETE" ? null : "{}");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Status);
        Assert.Equal("unknown API key", unknown.Body.GetProperty("error").GetString());
        Assert.DoesNotContain("anx_not-a-key", File.ReadAllText(fx.Serve.LogPath));
    }

    [Fact]
    public async Task X_Api_Key_header_is_accepted_like_a_bearer_token()
    {
        using var http = new HttpClient { BaseAddress = new Uri(fx.Serve.BaseUrl) };
        http.DefaultRequestHeaders.Add("X-Api-Key", fx.Secret("reader"));
        var server = await Get(http, "/v2");
        Assert.Equal(HttpStatusCode.OK, server.Status);
    }

    [Fact]
    public async Task Server_metadata_has_the_specification_fields()
    {
        using var http = fx.Client("reader");
        var r = await Get(http, "/v2");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        AssertFields(r.Body, "name", "version", "extensions");
        Assert.Equal("antinex-cluster", r.Body.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(r.Body.GetProperty("version").GetString()));
        Assert.Equal(JsonValueKind.Array, r.Body.GetProperty("extensions").ValueKind);
    }

    [Fact]
    public async Task Model_metadata_names_the_inputs_after_the_features_and_lists_the_outputs()
    {
        using var http = fx.Client("reader");
        foreach (var path in new[] { $"/v2/models/{Model}", $"/v2/models/{Model.ToUpperInvariant()}/versions/1" })
        {
            var r = await Get(http, path);
            Assert.Equal(HttpStatusCode.OK, r.Status);
            AssertFields(r.Body, "name", "versions", "platform", "inputs", "outputs");
            Assert.Equal(Model, r.Body.GetProperty("name").GetString());
            Assert.Equal(["1"], r.Body.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
            Assert.Equal("antinex_torchsharp", r.Body.GetProperty("platform").GetString());
            var inputs = r.Body.GetProperty("inputs").EnumerateArray().ToList();
            Assert.Equal(fx.InputFeatures, inputs.Select(i => i.GetProperty("name").GetString()));
            foreach (var tensor in inputs.Concat(r.Body.GetProperty("outputs").EnumerateArray()))
            {
                AssertFields(tensor, "name", "datatype", "shape");
                Assert.Equal([-1L], tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
            }
            Assert.All(inputs, i => Assert.Equal("FP64", i.GetProperty("datatype").GetString()));
            Assert.Equal(["predicted:FP64", "probability:FP64", "label:BYTES"], r.Body.GetProperty("outputs").EnumerateArray()
                .Select(o => $"{o.GetProperty("name").GetString()}:{o.GetProperty("datatype").GetString()}"));
        }
        var ready = await Get(http, $"/v2/models/{Model}/versions/1/ready");
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        AssertFields(ready.Body, "name", "ready");
        Assert.True(ready.Body.GetProperty("ready").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await Get(http, $"/v2/models/{Model}/ready")).Status);

        var unknown = await Get(http, "/v2/models/never-trained-model");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Contains("never-trained-model", unknown.Body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Get(http, "/v2/models/never-trained-model/ready")).Status);
        var version = await Get(http, $"/v2/models/{Model}/versions/7");
        Assert.Equal(HttpStatusCode.NotFound, version.Status);
        Assert.Contains("version '7'", version.Body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Get(http, $"/v2/models/{Model}/versions/7/ready")).Status);
    }

    [Fact]
    public async Task Infer_answers_the_specification_example_shape_and_equals_the_console_predictions()
    {
        const int rows = 8;
        using var http = fx.Client("web");
        var matrix = fx.Data.RawRows(fx.InputFeatures, rows);
        var request = JsonSerializer.Serialize(new
        {
            id = "42",
            parameters = new { note = "parameters are allowed" },
            inputs = new[] { new { name = "input0", shape = new[] { rows, fx.InputFeatures.Count }, datatype = "FP64", data = (object)matrix } },
        });
        var r = await Send(http, "POST", $"/v2/models/{Model}/infer", request);
        Assert.Equal(HttpStatusCode.OK, r.Status);
        AssertFields(r.Body, "model_name", "model_version", "id", "parameters", "outputs");
        Assert.Equal(Model, r.Body.GetProperty("model_name").GetString());
        Assert.Equal("1", r.Body.GetProperty("model_version").GetString());
        Assert.Equal("42", r.Body.GetProperty("id").GetString());
        var outputs = r.Body.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
        Assert.Equal(["predicted", "probability", "label"], outputs.Keys);
        foreach (var o in outputs.Values)
        {
            AssertFields(o, "name", "shape", "datatype", "data");
            Assert.Equal([(long)rows], o.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
            Assert.Equal(rows, o.GetProperty("data").GetArrayLength());
        }
        var predicted = outputs["predicted"].GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var probability = outputs["probability"].GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var labels = outputs["label"].GetProperty("data").EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.All(labels, l => Assert.Contains(l, new[] { "attack", "not_attack" }));

        // The console path: `predict --json` with the same rows as an AntiNex request.
        var file = Path.Combine(fx.WorkDir, "predict-console.json");
        File.WriteAllText(file, fx.Data.PredictJson(Model, rows));
        var console = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(2), "predict", "-f", file, "--json", "--seed-node", fx.Seed);
        Assert.True(console.ExitCode == 0, console.Stderr);
        using var consoleJson = JsonDocument.Parse(console.Stdout);
        var samples = consoleJson.RootElement.GetProperty("result").GetProperty("samples").EnumerateArray()
            .OrderBy(s => s.GetProperty("row").GetInt32()).ToList();
        Assert.Equal(rows, samples.Count);
        for (var i = 0; i < rows; i++)
        {
            Assert.Equal(samples[i].GetProperty("predicted").GetDouble(), predicted[i]);
            Assert.Equal(samples[i].GetProperty("probability").GetDouble(), probability[i], 12);
            Assert.Equal(samples[i].GetProperty("label_name").GetString(), labels[i]);
        }

        // One tensor per named feature, FP32, [rows] or [rows, 1]: the same answer.
        var perFeature = JsonSerializer.Serialize(new
        {
            inputs = fx.InputFeatures.Select((f, j) => new
            {
                name = f,
                shape = j % 2 == 0 ? new[] { rows } : new[] { rows, 1 },
                datatype = "FP32",
                data = matrix.Select(row => row[j]).ToArray(),
            }),
        });
        var named = await Send(http, "POST", $"/v2/models/{Model}/versions/1/infer", perFeature);
        Assert.Equal(HttpStatusCode.OK, named.Status);
        Assert.False(named.Body.TryGetProperty("id", out _));
        Assert.Equal(predicted, Output(named.Body, "predicted"));

        // Asking for "predicted" only takes the raw-rows path: same classes.
        var only = request.Replace("\"inputs\"", "\"outputs\":[{\"name\":\"predicted\"}],\"inputs\"");
        var fast = await Send(http, "POST", $"/v2/models/{Model}/infer", only);
        Assert.Equal(HttpStatusCode.OK, fast.Status);
        Assert.Single(fast.Body.GetProperty("outputs").EnumerateArray());
        Assert.Equal(predicted, Output(fast.Body, "predicted"));
        output.WriteLine($"OIP predicted {string.Join(",", predicted)} = console");
    }

    [Fact]
    public async Task A_large_infer_goes_in_slices_and_keeps_the_row_order()
    {
        const int rows = 5000; // several cluster messages of predict_rows
        using var http = fx.Client("web");
        var sample = fx.Data.RawRows(fx.InputFeatures, 50);
        var matrix = Enumerable.Range(0, rows).Select(i => sample[(i * 7) % sample.Length]).ToArray();
        var request = JsonSerializer.Serialize(new
        {
            inputs = new[]
            {
                new { name = "rows", shape = new[] { rows, fx.InputFeatures.Count }, datatype = "FP32", data = matrix.SelectMany(r => r) },
            },
        });
        var all = await Send(http, "POST", $"/v2/models/{Model}/infer", request);
        Assert.Equal(HttpStatusCode.OK, all.Status);
        var predictedOnly = request.Replace("{\"inputs\"", "{\"outputs\":[{\"name\":\"predicted\"}],\"inputs\"");
        var fast = await Send(http, "POST", $"/v2/models/{Model}/infer", predictedOnly);
        Assert.Equal(HttpStatusCode.OK, fast.Status);
        var sliced = Output(all.Body, "predicted");
        Assert.Equal(rows, sliced.Count);
        Assert.Equal(Output(fast.Body, "predicted"), sliced);
        var probability = Output(all.Body, "probability");
        // Row i and row i + 50 carry the same features, also across a slice boundary (float32 sums differ with the batch size).
        for (var i = 0; i + 50 < rows; i++) Assert.Equal(probability[i], probability[i + 50], 5);
    }

    [Theory]
    [InlineData("{'inputs': []}", "inputs")]
    [InlineData("{'id': 42, 'inputs': []}", "id")]
    [InlineData("{'inputs': [{'name': 'x', 'shape': [1, 12], 'datatype': 'BOOL', 'data': []}]}", "inputs[0].datatype: 'BOOL' is not supported")]
    [InlineData("{'inputs': [{'name': 'x', 'shape': [1, 2], 'datatype': 'BYTES', 'data': ['a', 'b']}]}",
        "inputs[0].shape: one tensor of any name must be [rows, 12]")]
    [InlineData("{'inputs': [{'name': 'rows', 'shape': [1, 3], 'datatype': 'FP64', 'data': [1, 2, 3]}]}",
        "inputs[0].shape: one tensor of any name must be [rows, 12] (a column per input, in the order of the model's metadata), got [1, 3]")]
    [InlineData("{'inputs': [{'name': 'ip_len', 'shape': [1], 'datatype': 'BYTES', 'data': ['1']}]}",
        "inputs[0].datatype: 'ip_len' is a numeric input")]
    [InlineData("{'inputs': [{'name': 'x', 'shape': [2, 12], 'datatype': 'FP32', 'data': [1, 2, 3]}]}", "inputs[0].data")]
    [InlineData("{'inputs': [{'name': 'x', 'shape': [1, -3], 'datatype': 'FP32', 'data': [1]}]}", "inputs[0].shape[1]")]
    [InlineData("{'inputs': [{'name': 'x', 'shape': [1, 12], 'datatype': 'FP64', 'data': [1,2,3,4,5,6,7,8,9,10,11,'a']}]}", "inputs[0].data[11]")]
    [InlineData("{'inputs': [{'name': 'not_a_feature', 'shape': [1], 'datatype': 'FP64', 'data': [1]}]}", "inputs[0].name")]
    [InlineData("{'inputs': [{'name': 'ip_len', 'shape': [1], 'datatype': 'FP64', 'data': [1]}]}", "missing the feature tensor(s) ip_tos")]
    [InlineData("{'inputs': [{'name': 'x', 'shape': [1, 12], 'datatype': 'FP64', 'data': [1,2,3,4,5,6,7,8,9,10,11,12]}],"
        + " 'outputs': [{'name': 'logits'}]}", "outputs[0].name")]
    [InlineData("{'inputs': [", "not valid JSON")]
    public async Task Bad_infer_requests_are_400_naming_the_field(string body, string field)
    {
        using var http = fx.Client("web");
        var r = await Send(http, "POST", $"/v2/models/{Model}/infer", body.Replace('\'', '"'));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        var error = r.Body.GetProperty("error").GetString()!;
        Assert.Contains(field, error);
        Assert.Equal("bad-request", r.Body.GetProperty("code").GetString());
        output.WriteLine(error);
        // The model keeps serving good requests after a bad one.
        Assert.Equal(HttpStatusCode.OK, (await Get(http, $"/v2/models/{Model}/ready")).Status);
    }

    [Fact]
    public async Task Infer_on_an_unknown_model_or_version_is_404()
    {
        using var http = fx.Client("admin");
        var body = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 1], \"datatype\": \"FP64\", \"data\": [1]}]}";
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, "POST", "/v2/models/nobody-trained-me/infer", body)).Status);
        // A label no request could train is a bad request, not an unknown model.
        var control = await Get(http, "/v2/models/web-a%01b");
        Assert.Equal(HttpStatusCode.BadRequest, control.Status);
        Assert.Contains("U+0001", control.Body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(http, "POST", $"/v2/models/{Model}/versions/3/infer", body)).Status);
    }

    [Fact]
    public async Task Scopes_and_label_patterns_are_enforced_with_403()
    {
        using var web = fx.Client("web");
        var delete = await Send(web, "DELETE", $"/api/models/{Model}", null);
        Assert.Equal(HttpStatusCode.Forbidden, delete.Status);
        Assert.Contains("'admin' scope", delete.Body.GetProperty("error").GetString());
        Assert.Equal("forbidden", delete.Body.GetProperty("code").GetString());
        var train = await Send(web, "POST", "/api/train", fx.Data.TrainJson("web-other"));
        Assert.Equal(HttpStatusCode.Forbidden, train.Status);
        Assert.Contains("'train' scope", train.Body.GetProperty("error").GetString());

        var db = await Get(web, "/api/models/db-1");
        Assert.Equal(HttpStatusCode.Forbidden, db.Status);
        Assert.Contains("web-*", db.Body.GetProperty("error").GetString());
        Assert.Equal("forbidden", db.Body.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(web, "/v2/models/db-1")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(web, "POST", "/api/predict", fx.Data.PredictJson("db-1"))).Status);
        // A predict that would train a never-trained label first stores a model: a key without `train` may not.
        var trainsFirst = await Send(web, "POST", "/api/predict", fx.Data.TrainJson("web-trains-first"));
        Assert.Equal(HttpStatusCode.Forbidden, trainsFirst.Status);
        Assert.Equal("forbidden", trainsFirst.Body.GetProperty("code").GetString());
        Assert.Equal("dataset", trainsFirst.Body.GetProperty("issues")[0].GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Get(web, "/api/models/web-trains-first")).Status);

        using var reader = fx.Client("reader");
        var infer = await Send(reader, "POST", $"/v2/models/{Model}/infer", "{}");
        Assert.Equal(HttpStatusCode.Forbidden, infer.Status);
        Assert.Contains("'predict' scope", infer.Body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(reader, "DELETE", $"/api/models/{Model}", null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Get(http: reader, $"/v2/models/{Model}")).Status);
    }

    [Fact]
    public async Task Predict_api_answers_the_console_json_shape()
    {
        using var http = fx.Client("web");
        var r = await Send(http, "POST", "/api/predict", fx.Data.PredictJson(Model));
        Assert.Equal(HttpStatusCode.OK, r.Status);
        Assert.Equal(Model, r.Body.GetProperty("label").GetString());
        Assert.Equal(1, r.Body.GetProperty("version").GetInt64());
        Assert.Equal(8, r.Body.GetProperty("result").GetProperty("samples").GetArrayLength());
        Assert.Contains("made predictions=8", r.Body.GetProperty("result").GetProperty("summary").GetString());

        var noLabel = await Send(http, "POST", "/api/predict", "{\"predict_rows\": []}");
        Assert.Equal(HttpStatusCode.BadRequest, noLabel.Status);
        Assert.Contains("label", noLabel.Body.GetProperty("error").GetString());
        var bad = await Send(http, "POST", "/api/predict", fx.Data.PredictJson(Model).Replace("\"label_value\"", "\"\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("bad-request", bad.Body.GetProperty("code").GetString());
        Assert.Contains("predict_feature", bad.Body.GetRawText());
        var untrained = await Send(http, "POST", "/api/predict", fx.Data.PredictJson("web-untrained"));
        Assert.Equal(HttpStatusCode.NotFound, untrained.Status);
        Assert.Equal("not-trained", untrained.Body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Train_returns_a_job_whose_events_stream_progress_and_the_final_report()
    {
        const string label = "web-streamed";
        using var http = fx.Client("admin");
        var started = await Send(http, "POST", "/api/train", fx.Data.TrainJson(label, epochs: 4));
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        var jobId = started.Body.GetProperty("job_id").GetString()!;
        Assert.Equal($"/api/jobs/{jobId}", started.Headers.Location?.ToString());
        Assert.Equal(label, started.Body.GetProperty("label").GetString());
        Assert.Equal("admin", started.Body.GetProperty("key_id").GetString());

        var events = new List<(string Type, string Data, string? Id)>();
        using (var response = await http.GetAsync($"/api/jobs/{jobId}/events", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            string? type = null, data = null, id = null;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line["event: ".Length..];
                else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line["id: ".Length..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line["data: ".Length..];
                else if (line.Length == 0 && data is not null) // an event ends at a blank line
                {
                    events.Add((type ?? "message", data, id));
                    (type, data, id) = (null, null, null);
                }
            }
        }
        // A quiet stretch of the job sends keep-alives (no id): they are not job events.
        events.RemoveAll(e => e.Type == "keepalive");
        output.WriteLine(string.Join("\n", events.Select(e => $"{e.Type}: {e.Data[..Math.Min(120, e.Data.Length)]}")));
        var fitEpochs = events.Where(e => e.Type == "progress").Select(e => JsonDocument.Parse(e.Data).RootElement)
            .Where(p => p.GetProperty("phase").GetString() == "fit").Select(p => p.GetProperty("epoch").GetInt32()).ToList();
        Assert.NotEmpty(fitEpochs);
        Assert.Equal(fitEpochs.Order(), fitEpochs);
        Assert.Equal(4, fitEpochs[^1]);
        Assert.Equal("completed", events[^1].Type);
        using var final = JsonDocument.Parse(events[^1].Data);
        Assert.Equal(1, final.RootElement.GetProperty("version").GetInt64());
        Assert.True(final.RootElement.GetProperty("report").GetProperty("accuracy").GetDouble() > 50);

        var job = await Get(http, $"/api/jobs/{jobId}");
        Assert.Equal("succeeded", job.Body.GetProperty("state").GetString());
        Assert.Equal(1, job.Body.GetProperty("result").GetProperty("version").GetInt64());
        Assert.False(string.IsNullOrEmpty(job.Body.GetProperty("progress").GetProperty("phase").GetString()));

        // A reader reconnecting with Last-Event-ID gets only what it missed: here, nothing but the end.
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{jobId}/events");
        resume.Headers.Add("Last-Event-ID", events[^2].Id ?? throw new InvalidOperationException("the job's events carry no id"));
        var rest = await (await http.SendAsync(resume)).Content.ReadAsStringAsync();
        Assert.Equal(1, rest.Split("event: ").Length - 1);
        Assert.Contains("event: completed", rest);

        var models = await Get(http, "/api/models");
        Assert.Contains(models.Body.GetProperty("models").EnumerateArray(), m => m.GetProperty("label").GetString() == label);
        Assert.Equal(HttpStatusCode.NotFound, (await Get(http, "/api/jobs/job-unknown")).Status);
        using var reader2 = fx.Client("web");
        Assert.Equal(HttpStatusCode.OK, (await Get(reader2, $"/api/jobs/{jobId}")).Status);
    }

    [Fact]
    public async Task Training_jobs_survive_a_crash_and_a_restart_of_the_service()
    {
        const string label = "web-restarted";
        var jobsDir = Path.Combine(fx.WorkDir, "jobs-restart");
        string[] args = ["--rate-limit", "0", "--jobs-dir", jobsDir];
        string jobId;
        using (var first = ServeProcess.Start(fx.WorkDir, [fx.Seed], fx.KeysFile, args))
        {
            // Long enough (seconds, on any machine) that the crash lands while the cluster is still training it.
            (jobId, var file) = await StartedTrainingJobAsync(first, jobsDir, label, epochs: 2000);
            // Once the job file shows the training under way, the process dies without any shutdown code.
            first.Kill();
            Assert.False(File.ReadAllText(file).Contains("\"type\":\"completed\"", StringComparison.Ordinal), "trained before the crash");
        }

        using (var second = ServeProcess.Start(fx.WorkDir, [fx.Seed], fx.KeysFile, args))
        {
            await second.WaitReadyAsync(TimeSpan.FromSeconds(90));
            using var http = second.Client(fx.Secret("admin"));
            var job = await Get(http, $"/api/jobs/{jobId}");
            Assert.Equal(HttpStatusCode.OK, job.Status);
            Assert.Equal(label, job.Body.GetProperty("label").GetString());
            Assert.Equal("admin", job.Body.GetProperty("key_id").GetString());
            // The stream replays the events from before the crash, then follows the training submitted again to its end.
            var stream = await http.GetStringAsync($"/api/jobs/{jobId}/events");
            output.WriteLine(string.Join("\n", stream.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Distinct()));
            var resumed = stream.IndexOf("event: resumed", StringComparison.Ordinal);
            Assert.True(stream.IndexOf("event: started", StringComparison.Ordinal) is >= 0 and var s && s < resumed, "started, then resumed");
            Assert.True(stream.IndexOf("event: completed", StringComparison.Ordinal) > resumed, stream[^Math.Min(400, stream.Length)..]);
        }

        // A finished job answers the same after a graceful restart.
        using var third = ServeProcess.Start(fx.WorkDir, [fx.Seed], fx.KeysFile, args);
        await third.WaitReadyAsync(TimeSpan.FromSeconds(90));
        using var again = third.Client(fx.Secret("admin"));
        var finished = await Get(again, $"/api/jobs/{jobId}");
        Assert.Equal("succeeded", finished.Body.GetProperty("state").GetString());
        Assert.True(finished.Body.GetProperty("result").GetProperty("version").GetInt64() >= 1);
        Assert.Contains("event: completed", await again.GetStringAsync($"/api/jobs/{jobId}/events"));
        using var reader = third.Client(fx.Secret("reader"));
        var listed = Assert.Single((await Get(reader, "/api/jobs?limit=1000")).Body.GetProperty("jobs").EnumerateArray(),
            j => j.GetProperty("job_id").GetString() == jobId);
        // The list leaves results out (each holds up to 10,000 sample predictions); the job's own URL has it.
        Assert.False(listed.TryGetProperty("result", out _));
        var tooMany = await Get(reader, "/api/jobs?limit=1001");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.Status);
        Assert.Equal("limit", tooMany.Body.GetProperty("issues")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_train_request_with_fields_at_fault_is_400_before_any_job_exists()
    {
        using var http = fx.Client("admin");
        var refused = await Send(http, "POST", "/api/train", fx.Data.TrainJson("web-broken").Replace("\"epochs\": 3", "\"epochs\": -2"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("bad-request", refused.Body.GetProperty("code").GetString());
        Assert.Contains(refused.Body.GetProperty("issues").EnumerateArray(), i => i.GetProperty("field").GetString() == "epochs");
        Assert.DoesNotContain((await Get(http, "/api/jobs")).Body.GetProperty("jobs").EnumerateArray(),
            j => j.GetProperty("label").GetString() == "web-broken");
        var malformed = await Send(http, "POST", "/api/train", "{\"label\": ");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
    }

    [Fact]
    public async Task A_failed_training_job_reports_the_fields_at_fault()
    {
        // Only the nodes see their data roots: a dataset that is not there is the job's failure, naming the field.
        using var http = fx.Client("admin");
        var request = fx.Data.TrainJson("web-no-data", dataset: Path.Combine(fx.Data.Root, "absent.csv"));
        var started = await Send(http, "POST", "/api/train", request);
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        var id = started.Body.GetProperty("job_id").GetString()!;
        var stream = await http.GetStringAsync($"/api/jobs/{id}/events");
        Assert.Contains("event: failed", stream);
        var job = await Get(http, $"/api/jobs/{id}");
        Assert.Equal("failed", job.Body.GetProperty("state").GetString());
        Assert.Equal("bad-request", job.Body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("dataset", job.Body.GetProperty("error").GetRawText());
    }

    [Fact]
    public async Task Models_describe_forget_and_the_cluster_view()
    {
        using var admin = fx.Client("admin");
        const string label = "web-doomed";
        var trained = await fx.Gateway.TrainAsync(label, fx.Data.TrainJson(label, epochs: 1), TimeSpan.FromMinutes(4));
        Assert.IsType<AntiNex.Models.ModelTrainedReply>(trained);

        using var web = fx.Client("web");
        var list = await Get(web, "/api/models");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.All(list.Body.GetProperty("models").EnumerateArray(), m => Assert.StartsWith("web-", m.GetProperty("label").GetString()));
        // A listing entry names no features (it is read from small catalog cards): no field, rather than an empty list.
        var listed = Assert.Single(list.Body.GetProperty("models").EnumerateArray(), m => m.GetProperty("label").GetString() == label);
        Assert.True(listed.GetProperty("summary").TryGetProperty("label", out _));
        Assert.False(listed.GetProperty("summary").TryGetProperty("input_features", out _), listed.ToString());
        var described = await Get(web, $"/api/models/{label.ToUpperInvariant()}");
        Assert.Equal(HttpStatusCode.OK, described.Status);
        Assert.True(described.Body.GetProperty("trained").GetBoolean());
        Assert.Equal(fx.InputFeatures, described.Body.GetProperty("summary").GetProperty("input_features").EnumerateArray()
            .Select(f => f.GetString()));
        Assert.Empty(described.Body.GetProperty("summary").GetProperty("categorical_features").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Get(web, "/api/models/web-never")).Status);

        var forgotten = await Send(admin, "DELETE", $"/api/models/{label}", null);
        Assert.Equal(HttpStatusCode.OK, forgotten.Status);
        Assert.True(forgotten.Body.GetProperty("existed").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await Get(web, $"/v2/models/{label}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Get(web, $"/api/models/{label}")).Status);

        var cluster = await Get(web, "/api/cluster");
        Assert.Equal(HttpStatusCode.OK, cluster.Status);
        var members = cluster.Body.GetProperty("members").EnumerateArray().ToList();
        var node = Assert.Single(members, m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "model"));
        Assert.Equal("Up", node.GetProperty("status").GetString());
        Assert.True(node.GetProperty("shards").GetInt32() >= 1);
        Assert.True(node.GetProperty("entities").GetInt32() >= 1);
        Assert.Contains(members, m => m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "gateway"));
    }

    [Fact]
    public async Task Oversized_body_is_413()
    {
        using var http = fx.Client("web");
        var big = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [" +
                  string.Join(",", Enumerable.Repeat("1.0", (int)(HttpServiceFixture.MaxBodyBytes / 4))) + "]}]}";
        var r = await Send(http, "POST", $"/v2/models/{Model}/infer", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.Status);
        Assert.Contains("too large", r.Body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_with_retry_after()
    {
        using var http = fx.Client("slow");
        // Sent at once: one after the other, a slow machine could spread six requests over windows of two each.
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => http.GetAsync("/v2")));
        var limited = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited);
        Assert.True(limited!.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        var body = await limited.Content.ReadAsStringAsync();
        Assert.Contains("rate limit", body);
        Assert.Equal("rate-limited", System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        // Other keys are not affected.
        using var reader = fx.Client("reader");
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v2")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_endpoints()
    {
        using var http = fx.Client("reader");
        var r = await Get(http, "/openapi.json");
        Assert.Equal(HttpStatusCode.OK, r.Status);
        var paths = r.Body.GetProperty("paths");
        foreach (var path in new[] { "/v2/models/{label}/infer", "/api/train", "/api/jobs/{id}/events", "/api/cluster", "/v2/health/ready" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from the OpenAPI document");
        // The error answers are documented with the error body's schema: those of every keyed endpoint, and each one's own.
        string[] Answers(string path, string method)
            => [.. paths.GetProperty(path).GetProperty(method).GetProperty("responses").EnumerateObject().Select(p => p.Name)];
        Assert.Equal(["202", "400", "401", "403", "413", "429", "503"], Answers("/api/train", "post").Order());
        Assert.Superset(new HashSet<string> { "200", "400", "401", "403", "404", "413", "422", "429", "503" },
            Answers("/api/predict", "post").ToHashSet());
        Assert.Contains("409", Answers("/api/jobs/{id}/cancel", "post"));
        Assert.DoesNotContain("401", Answers("/v2/health/ready", "get"));
        var error = paths.GetProperty("/api/train").GetProperty("post").GetProperty("responses").GetProperty("413")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Contains("ApiError", error.GetProperty("$ref").GetString());
    }

    [Fact]
    public async Task Https_with_a_certificate_file_and_password_file_serves_the_same_api()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", rsa,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        var pfx = Path.Combine(fx.WorkDir, "serve.pfx");
        var passwordFile = Path.Combine(fx.WorkDir, "serve.pfx.password");
        File.WriteAllText(passwordFile, "s3cret-pfx\n");
        File.WriteAllBytes(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "s3cret-pfx"));
        var thumbprint = certificate.Thumbprint;
        using var handler = new HttpClientHandler
        {
            // Trust exactly this certificate (it is self-signed for the test).
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == thumbprint,
        };
        using var serve = ServeProcess.Start("https", fx.WorkDir, [fx.Seed], Path.Combine(fx.WorkDir, "keys.json"),
            "--https-certificate", pfx, "--https-password-file", passwordFile);
        await serve.WaitReadyAsync(TimeSpan.FromSeconds(90), handler);
        using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(serve.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fx.Secret("reader"));
        var metadata = await Get(http, $"/v2/models/{Model}");
        Assert.Equal(HttpStatusCode.OK, metadata.Status);
        Assert.Equal(Model, metadata.Body.GetProperty("name").GetString());
    }

    private static List<double> Output(JsonElement response, string name) => response.GetProperty("outputs").EnumerateArray()
        .Single(o => o.GetProperty("name").GetString() == name).GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToList();

    /// <summary>The object has exactly these fields (the specification's, nothing missing, nothing extra).</summary>
    private static void AssertFields(JsonElement obj, params string[] fields)
        => Assert.Equal(fields.Order(), obj.EnumerateObject().Select(p => p.Name).Order());

    /// <summary>Once <paramref name="serve"/> is ready, an admin's training job of <paramref name="label"/>; returns when its
    /// file in <paramref name="jobsDir"/> shows the training started (the job's id and that file).</summary>
    private async Task<(string JobId, string File)> StartedTrainingJobAsync(ServeProcess serve, string jobsDir, string label, int epochs)
    {
        await serve.WaitReadyAsync(TimeSpan.FromSeconds(90));
        using var http = serve.Client(fx.Secret("admin"));
        var started = await Send(http, "POST", "/api/train", fx.Data.TrainJson(label, epochs: epochs));
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        var jobId = started.Body.GetProperty("job_id").GetString()!;
        return (jobId, await UntilJobFileShowsStarted(jobsDir, jobId));
    }

    /// <summary>Waits (2 min at most) until the job's file, written in the background, shows its training started.</summary>
    private static async Task<string> UntilJobFileShowsStarted(string jobsDir, string jobId)
    {
        var file = Path.Combine(jobsDir, jobId + ".json");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!(File.Exists(file) && File.ReadAllText(file).Contains("\"type\":\"started\"", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the job file never showed the training started");
            await Task.Delay(100);
        }
        return file;
    }

    private sealed record Answer(HttpStatusCode Status, JsonElement Body, System.Net.Http.Headers.HttpResponseHeaders Headers);

    private static Task<Answer> Get(HttpClient http, string path) => Send(http, "GET", path, null);

    private static async Task<Answer> Send(HttpClient http, string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Answer(response.StatusCode, json, response.Headers);
    }
}
