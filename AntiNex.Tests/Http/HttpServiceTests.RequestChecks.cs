// What the service checks at the door, before any cluster message or job: the label's rule and length on train and
// predict (before the key's label pattern), each value of an infer tensor against its datatype; what it leaves to the
// node that trains (its own engine limits); and the error body of the routing's own refusals, of unbound query
// parameters and of unresolved dot segments on any route.
using System.Globalization;
using System.Net;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    [Theory]
    [InlineData(129)]
    [InlineData(3000)]
    public async Task A_train_with_a_label_above_the_length_limit_is_400_naming_it_before_any_job_exists(int length)
    {
        using var http = fx.Client("admin");
        var label = "web-" + new string('x', length - 4);
        var refused = await Send(http, "POST", "/api/train", fx.Data.TrainJson(label));
        Assert.True(refused.Status == HttpStatusCode.BadRequest, $"{refused.Status}: {refused.Body}");
        Assert.Equal("bad-request", refused.Body.GetProperty("code").GetString());
        var issue = Assert.Single(refused.Body.GetProperty("issues").EnumerateArray());
        Assert.Equal("label", issue.GetProperty("field").GetString());
        Assert.Contains($"{length:N0} characters long, above the limit of 128", issue.GetProperty("message").GetString());
        Assert.DoesNotContain((await Get(http, "/api/jobs")).Body.GetProperty("jobs").EnumerateArray(),
            j => j.GetProperty("label").GetString() == label);
    }

    [Fact]
    public async Task A_train_over_a_limit_the_nodes_set_for_themselves_is_accepted_and_its_job_fails_naming_the_field()
    {
        using var http = fx.Client("admin");
        var started = await Send(http, "POST", "/api/train", fx.Data.TrainJson("web-too-many-epochs", epochs: 100_000_000));
        Assert.Equal(HttpStatusCode.Accepted, started.Status);
        var id = started.Body.GetProperty("job_id").GetString()!;
        Assert.Contains("event: failed", await http.GetStringAsync($"/api/jobs/{id}/events"));
        var job = await Get(http, $"/api/jobs/{id}");
        Assert.Equal("failed", job.Body.GetProperty("state").GetString());
        Assert.Contains(job.Body.GetProperty("error").GetProperty("issues").EnumerateArray(),
            i => i.GetProperty("field").GetString() == "epochs" && i.GetProperty("message").GetString()!.Contains("10,000 epochs"));
    }

    [Theory]
    [InlineData("admin", "/api/train", "a\\nb")]
    [InlineData("admin", "/api/predict", "a\\nb")]
    [InlineData("admin", "/api/train", "a\\rb")]
    [InlineData("web", "/api/predict", "web-a\\nb")]
    [InlineData("web", "/api/predict", "db-a\\nb")]
    public async Task A_label_with_a_line_break_is_400_naming_the_label_not_a_403(string key, string path, string jsonLabel)
    {
        using var http = fx.Client(key);
        var body = path == "/api/train" ? fx.Data.TrainJson(jsonLabel) : fx.Data.PredictJson(jsonLabel);
        var refused = await Send(http, "POST", path, body);
        Assert.True(refused.Status == HttpStatusCode.BadRequest, $"{refused.Status}: {refused.Body}");
        Assert.Equal("bad-request", refused.Body.GetProperty("code").GetString());
        Assert.Equal("label", Assert.Single(refused.Body.GetProperty("issues").EnumerateArray()).GetProperty("field").GetString());
        Assert.Contains("not printable", refused.Body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("INT8", "100000", "100000 is out of INT8's range (-128 to 127)")]
    [InlineData("UINT8", "-5", "-5 is out of UINT8's range (0 to 255)")]
    [InlineData("INT32", "1.5", "1.5 is not a whole number, as INT32 values are")]
    [InlineData("UINT64", "1e30", "1E+30 is out of UINT64's range")]
    [InlineData("FP32", "1e300", "1E+300 is beyond FP32's range")]
    [InlineData("FP16", "70000", "70000 is beyond FP16's range")]
    public async Task An_infer_value_its_datatype_cannot_hold_is_400_naming_the_input_and_index(string datatype, string value, string problem)
    {
        using var http = fx.Client("web");
        var data = Enumerable.Repeat("1", fx.InputFeatures.Count).ToArray();
        data[3] = value;
        var refused = await Send(http, "POST", $"/v2/models/{Model}/infer", OneTensor(datatype, data));
        Assert.True(refused.Status == HttpStatusCode.BadRequest, $"{refused.Status}: {refused.Body}");
        Assert.Equal("bad-request", refused.Body.GetProperty("code").GetString());
        var error = refused.Body.GetProperty("error").GetString()!;
        Assert.StartsWith($"inputs[0].data[3]: {problem}", error);
        Assert.Contains($"('x' is a {datatype} tensor)", error);

        // The same values within range are answered, FP16 included (a datatype of the protocol).
        data[3] = "2";
        var answered = await Send(http, "POST", $"/v2/models/{Model}/infer", OneTensor(datatype, data));
        Assert.True(answered.Status == HttpStatusCode.OK, $"{answered.Status}: {answered.Body}");
    }

    private static string OneTensor(string datatype, string[] row)
        => $$"""{"inputs": [{"name": "x", "shape": [1, {{row.Length}}], "datatype": "{{datatype}}", "data": [{{string.Join(", ", row)}}]}]}""";

    [Theory]
    [InlineData("GET", "/api/nope", HttpStatusCode.NotFound, "not-found", "no route GET /api/nope")]
    [InlineData("GET", "/v3/models", HttpStatusCode.NotFound, "not-found", "no route GET /v3/models")]
    [InlineData("GET", "/api/train", HttpStatusCode.MethodNotAllowed, "method-not-allowed",
        "GET /api/train: the method is not allowed on this path, which takes POST")]
    [InlineData("DELETE", "/api/cluster", HttpStatusCode.MethodNotAllowed, "method-not-allowed", "DELETE /api/cluster")]
    public async Task Routing_refusals_have_the_api_s_error_body_naming_the_route(string method, string path, HttpStatusCode status,
        string code, string message)
    {
        using var http = fx.Client("admin");
        var refused = await Send(http, method, path, null);
        Assert.Equal(status, refused.Status);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, refused.Body.ValueKind);
        Assert.Equal(code, refused.Body.GetProperty("code").GetString());
        Assert.StartsWith(message, refused.Body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_query_parameter_that_does_not_bind_and_a_bad_plot_kind_name_their_field()
    {
        using var http = fx.Client("admin");
        var limit = await Get(http, "/api/jobs?limit=abc");
        Assert.Equal(HttpStatusCode.BadRequest, limit.Status);
        Assert.Equal("bad-request", limit.Body.GetProperty("code").GetString());
        Assert.DoesNotContain("Failed to bind", limit.Body.GetProperty("error").GetString());
        var issue = Assert.Single(limit.Body.GetProperty("issues").EnumerateArray());
        Assert.Equal("limit", issue.GetProperty("field").GetString());
        Assert.Contains("'abc'", issue.GetProperty("message").GetString());

        var kind = await Get(http, $"/api/models/{Model}/plots/bogus.png");
        Assert.Equal(HttpStatusCode.NotFound, kind.Status);
        Assert.Equal("not-found", kind.Body.GetProperty("code").GetString());
        Assert.StartsWith("kind: 'bogus' is not a picture", kind.Body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/api/models/../cluster")]
    [InlineData("/api/./models")]
    [InlineData("/api/models/..")]
    [InlineData("/api/%2E%2E/api/cluster")]
    [InlineData("/v2/health/./live")]
    public async Task A_path_with_an_unresolved_dot_segment_is_400_on_every_route(string path)
    {
        using var http = fx.Client("admin");
        var uri = new Uri(fx.Serve.BaseUrl + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        var body = System.Text.Json.JsonDocument.Parse(text).RootElement;
        Assert.Equal("bad-request", body.GetProperty("code").GetString());
        Assert.Contains($"the path '{path}' holds a '.' or '..' segment", body.GetProperty("error").GetString());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: {text}"));
    }
}
