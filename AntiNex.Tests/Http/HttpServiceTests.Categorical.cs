// A model with a categorical input over the inference protocol: its metadata declares that input BYTES, an infer takes
// its text per input tensor and answers as POST /api/predict does for the same rows (the model's pipeline one-hot encodes
// the text), from the cluster and from `serve`'s own copy alike; text for a numeric input, or one [rows, inputs] tensor of
// text, is refused with an error naming the field.
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    private const string Categorical = HttpServiceFixture.CategoricalModel;
    private static readonly string[] Protocols = ["tcp", "udp", "icmp", "tcp", "udp", "icmp"];
    private static readonly double[] Sizes = [100, 900, 100, 900, 100, 900];
    private static readonly double[] Rates = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5];

    [Fact]
    public async Task Categorical_inputs_are_BYTES_in_the_metadata_and_infer_takes_their_text_as_predict_does()
    {
        await fx.CategoricalModelAsync();
        using var http = fx.Client("web");
        var metadata = await Get(http, $"/v2/models/{Categorical}");
        Assert.Equal(HttpStatusCode.OK, metadata.Status);
        Assert.Equal(["proto:BYTES", "size:FP64", "rate:FP64"], metadata.Body.GetProperty("inputs").EnumerateArray()
            .Select(i => $"{i.GetProperty("name").GetString()}:{i.GetProperty("datatype").GetString()}"));

        // The AntiNex predict request with the same rows, the text as text: what every infer below must answer.
        var predictRows = string.Join(", ", Protocols.Select((p, i) => string.Create(CultureInfo.InvariantCulture,
            $$"""{"proto": "{{p}}", "size": {{Sizes[i]}}, "rate": {{Rates[i]}}}""")));
        var predicted = await Send(http, "POST", "/api/predict", $$"""
            {"label": "{{Categorical}}", "ml_type": "classification", "predict_feature": "label_value", "predict_rows": [{{predictRows}}]}
            """);
        Assert.True(predicted.Status == HttpStatusCode.OK, predicted.Body.ToString());
        var samples = predicted.Body.GetProperty("result").GetProperty("samples").EnumerateArray()
            .OrderBy(s => s.GetProperty("row").GetInt32()).ToList();
        var expected = samples.Select(s => s.GetProperty("predicted").GetDouble()).ToList();
        var expectedProbability = samples.Select(s => s.GetProperty("probability").GetDouble()).ToList();
        // The text reaches the model: the same numbers under another protocol are scored differently.
        Assert.NotEqual(expectedProbability[0], expectedProbability[2]);

        var body = CategoricalBody(null);
        var local = await UntilLocal(http, Categorical, body, "1");
        // A service without local copies sends every infer to the cluster: the model node reads the same predict_rows.
        using var clusterOnly = ServeProcess.Start(fx.WorkDir, [fx.Seed], fx.KeysFile, "--local-copies", "0", "--rate-limit", "0");
        await clusterOnly.WaitReadyAsync(TimeSpan.FromSeconds(90));
        using var clusterHttp = clusterOnly.Client(fx.Secret("web"));
        var cluster = await Send(clusterHttp, "POST", $"/v2/models/{Categorical}/infer", body);
        Assert.True(cluster.Status == HttpStatusCode.OK, cluster.Body.ToString());
        Assert.DoesNotContain(LocalSuffix, ServedBy(cluster.Body));
        var clusterOnlyPredicted = await Send(clusterHttp, "POST", $"/v2/models/{Categorical}/infer", CategoricalBody("predicted"));
        Assert.Equal(expected, Output(clusterOnlyPredicted.Body, "predicted"));
        foreach (var answer in new[] { cluster.Body, local })
        {
            Assert.Equal(expected, Output(answer, "predicted"));
            var probability = Output(answer, "probability");
            for (var i = 0; i < expected.Count; i++) Assert.Equal(expectedProbability[i], probability[i], 12);
        }

        // `predicted` alone cannot take the float32 raw-rows path with text: the same classes come back all the same.
        var only = await Send(http, "POST", $"/v2/models/{Categorical}/infer", CategoricalBody("predicted"));
        Assert.Equal(HttpStatusCode.OK, only.Status);
        Assert.Equal(expected, Output(only.Body, "predicted"));
        output.WriteLine($"protocols {string.Join(",", Protocols)}: predicted {string.Join(",", expected)}");
    }

    [Theory]
    [InlineData("{'name': 'proto', 'shape': [1], 'datatype': 'BYTES', 'data': [0]}", "inputs[0].data[0]: must be a string")]
    [InlineData("{'name': 'size', 'shape': [1], 'datatype': 'BYTES', 'data': ['100']}", "inputs[1].datatype: 'size' is a numeric input")]
    public async Task A_value_of_the_wrong_kind_for_a_categorical_model_is_400_naming_the_input(string faulty, string error)
    {
        await fx.CategoricalModelAsync();
        using var http = fx.Client("web");
        var tensors = new List<string>
        {
            "{'name': 'proto', 'shape': [1], 'datatype': 'BYTES', 'data': ['tcp']}",
            "{'name': 'size', 'shape': [1], 'datatype': 'FP64', 'data': [100]}",
            "{'name': 'rate', 'shape': [1], 'datatype': 'FP64', 'data': [0.5]}",
        };
        tensors[faulty.Contains("'proto'", StringComparison.Ordinal) ? 0 : 1] = faulty;
        var r = await Send(http, "POST", $"/v2/models/{Categorical}/infer", $"{{'inputs': [{string.Join(", ", tensors)}]}}".Replace('\'', '"'));
        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.StartsWith(error, r.Body.GetProperty("error").GetString());
        Assert.Equal("bad-request", r.Body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task One_tensor_of_numbers_serves_a_categorical_model_and_one_of_text_is_400_asking_for_one_per_input()
    {
        await fx.CategoricalModelAsync();
        using var http = fx.Client("web");
        // Numbers for a categorical input are matched by their text, as before the inputs were typed: 0 is no protocol the
        // model saw, so it takes the "other" input, and the row is answered.
        var numbers = await Send(http, "POST", $"/v2/models/{Categorical}/infer",
            """{"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "FP64", "data": [0, 100, 0.5]}]}""");
        Assert.True(numbers.Status == HttpStatusCode.OK, numbers.Body.ToString());
        Assert.Single(Output(numbers.Body, "predicted"));
        var text = await Send(http, "POST", $"/v2/models/{Categorical}/infer",
            """{"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "BYTES", "data": ["tcp", "100", "0.5"]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, text.Status);
        var error = text.Body.GetProperty("error").GetString()!;
        Assert.StartsWith("inputs[0].datatype: one [rows, 3] tensor holds numbers (FP16, FP32, FP64, INT*, UINT*), got BYTES", error);
        Assert.Contains("send text for proto as one tensor per input", error);
    }

    private static string CategoricalBody(string? output) => JsonSerializer.Serialize(new
    {
        inputs = new object[]
        {
            new { name = "proto", shape = new[] { Protocols.Length }, datatype = "BYTES", data = Protocols },
            new { name = "size", shape = new[] { Sizes.Length, 1 }, datatype = "FP64", data = Sizes.Select(s => new[] { s }) },
            new { name = "rate", shape = new[] { Rates.Length }, datatype = "FP32", data = Rates },
        },
        outputs = output is null ? null : new[] { new { name = output } },
    }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
}
