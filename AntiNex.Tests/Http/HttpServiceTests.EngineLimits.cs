// `serve` reads the nodes' engine limits from the same variables: its local model copies answer only what those limits
// accept, AntiNex predicts and Open Inference Protocol infers alike (the rest goes to a model node, whose own limits
// decide), and a bad value stops it naming the key.
using System.Net;

namespace AntiNex.Tests.Http;

public sealed partial class HttpServiceTests
{
    [Fact]
    public async Task Serve_s_local_copies_apply_the_engine_limits_of_its_environment()
    {
        var limits = new Dictionary<string, string> { ["ANTINEX_EngineLimits__MaxPredictRows"] = "4" };
        using var limited = ServeProcess.Start("http", fx.WorkDir, [fx.Seed], fx.KeysFile, limits, "--rate-limit", "0");
        await limited.WaitReadyAsync(TimeSpan.FromSeconds(90));
        using var http = limited.Client(fx.Secret("web"));
        await UntilLocal(http, Model, InferBody(fx.Data.RawRows(fx.InputFeatures, 1), fx.InputFeatures.Count, "predicted"), "1");

        // Beyond serve's limit its copy does not answer: the request goes to a model node, whose own limits decide (the
        // fixture's nodes run with the defaults). Without the variable the copy would answer all 8 rows itself.
        var beyond = await Send(http, "POST", "/api/predict", fx.Data.PredictJson(Model, 8));
        Assert.True(beyond.Status == HttpStatusCode.OK, beyond.Body.ToString());
        Assert.DoesNotContain(LocalSuffix, beyond.Body.GetProperty("node").GetString());
        var within = await Send(http, "POST", "/api/predict", fx.Data.PredictJson(Model, 4));
        Assert.True(within.Status == HttpStatusCode.OK, within.Body.ToString());
        Assert.EndsWith(LocalSuffix, within.Body.GetProperty("node").GetString());

        // The same for an Open Inference Protocol infer, on both of its paths (raw rows for `predicted`, predict_rows
        // for all outputs).
        foreach (var output in new[] { "predicted", null })
        {
            var inferBeyond = await Send(http, "POST", $"/v2/models/{Model}/infer",
                InferBody(fx.Data.RawRows(fx.InputFeatures, 8), fx.InputFeatures.Count, output));
            Assert.True(inferBeyond.Status == HttpStatusCode.OK, inferBeyond.Body.ToString());
            Assert.DoesNotContain(LocalSuffix, ServedBy(inferBeyond.Body));
            var inferWithin = await Send(http, "POST", $"/v2/models/{Model}/infer",
                InferBody(fx.Data.RawRows(fx.InputFeatures, 4), fx.InputFeatures.Count, output));
            Assert.True(inferWithin.Status == HttpStatusCode.OK, inferWithin.Body.ToString());
            Assert.EndsWith(LocalSuffix, ServedBy(inferWithin.Body));
        }
    }

    [Fact]
    public async Task A_bad_engine_limit_in_serve_s_environment_stops_it_naming_the_key()
    {
        var limits = new Dictionary<string, string> { ["ANTINEX_EngineLimits__MaxPredictRows"] = "lots" };
        using var serve = ServeProcess.Start("http", fx.WorkDir, [fx.Seed], fx.KeysFile, limits);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => serve.WaitReadyAsync(TimeSpan.FromSeconds(90)));
        Assert.Contains("exited with 2", e.Message);
        Assert.Contains("EngineLimits:MaxPredictRows: 'lots' is not a number", e.Message);
    }
}
