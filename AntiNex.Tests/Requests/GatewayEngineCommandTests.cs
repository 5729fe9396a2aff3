using System.Text.Json;
using AntiNex.Tests.Data;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Requests;

/// <summary>The gateway's engine commands as scripts use them: a separate process, exit codes, stdout.</summary>
public class GatewayEngineCommandTests
{
    private static (int Code, string Out, string Err) Gateway(params string[] args) => GatewayProcess.Run(TimeSpan.FromSeconds(120), args);

    [Fact]
    public void Validate_exits_0_for_a_valid_request_and_2_naming_each_bad_field()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(20, 1));
        var good = t.Write("good.json", EngineTestData.BinaryRequest());
        var ok = Gateway("validate", "-f", good, "--data-root", t.Path);
        Assert.Equal(0, ok.Code);
        Assert.StartsWith("valid: good.json", ok.Out);

        var bad = t.Write("bad.json", """{"label": "x", "dataset": "../../etc/passwd", "predict_feature": "y", "epochs": 0, "loss": "nope"}""");
        var no = Gateway("validate", "-f", bad, "--data-root", t.Path);
        Assert.Equal(2, no.Code);
        Assert.Contains("epochs:", no.Err);
        Assert.Contains("loss:", no.Err);
        var malformed = Gateway("validate", "-f", t.Write("m.json", "{\"label\": "), "--data-root", t.Path);
        Assert.Equal(2, malformed.Code);
        Assert.Contains("malformed JSON", malformed.Err);
        var escape = Gateway("validate", "-f", t.Write("e.json", """{"dataset": "/etc/passwd", "predict_feature": "y"}"""), "--data-root", t.Path);
        Assert.Equal(2, escape.Code);
        Assert.Contains("dataset:", escape.Err);
    }

    [Fact]
    public void Train_local_json_prints_exactly_one_json_document_on_stdout()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(200, 2));
        var req = t.Write("r.json", EngineTestData.BinaryRequest(epochs: 2));
        var run = Gateway("train", "--local", "-f", req, "--data-root", t.Path, "--json");
        Assert.Equal(0, run.Code);
        using var doc = JsonDocument.Parse(run.Out); // throws if anything else is on stdout
        var root = doc.RootElement;
        foreach (var key in new[] { "label", "accuracy", "cv", "precision", "recall", "f1", "confusion_matrix", "train_rows", "test_rows",
            "train_seconds" })
            Assert.True(root.TryGetProperty(key, out _), $"missing {key}");
        Assert.Equal("Blobs", root.GetProperty("label").GetString());
        Assert.Equal(150, root.GetProperty("train_rows").GetInt32());
        Assert.Contains("fit epoch", run.Err); // progress went to stderr
    }
}
