using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AntiNex.Learning;
using AntiNex.Requests;
using AntiNex.Tests.Data;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Learning;

/// <summary>
/// training/recommended-*.json are the requests a user copies for a new dataset: they parse cleanly with the automatic
/// choices on, and the binary one, changed in its data fields only, trains on flow data the way exporters write it
/// (a header with padded names, a duplicated column, Infinity rates over zero durations, NaN cells) and predicts such rows.
/// </summary>
public class RecommendedRequestTests
{
    private static JsonObject Template(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "training", name)))!.AsObject();

    [Theory]
    [InlineData("recommended-binary.json")]
    [InlineData("recommended-multiclass.json")]
    public void The_templates_parse_with_the_automatic_choices_on(string name)
    {
        var request = AntiNexRequest.Parse(Template(name).ToJsonString(), out var warnings);
        Assert.Empty(warnings);
        Assert.Equal("auto", request.ModelKind);
        Assert.True(request.NonFiniteAsEmpty);
        Assert.Null(request.Layers); // the engine sizes the output layer by the classes found
    }

    [Fact]
    public void The_binary_template_trains_on_flow_rows_with_infinity_and_nan_cells_and_predicts_them()
    {
        using var root = new EngineTestData.TempRoot();
        root.Write("flows.csv", FlowCsv(1500, new Random(5)));
        string[] features = ["Destination Port", "Flow Duration", "Total Fwd Packets", "Flow Bytes/s", "Flow Packets/s", "Fwd Header Length"];
        var json = Template("recommended-binary.json");
        foreach (var field in new[] { "columns", "test_dataset", "ignore_features" }) json.Remove(field);
        json["label"] = "Flows";
        json["dataset"] = "flows.csv";
        json["csv_header"] = true;
        json["predict_feature"] = "Label";
        json["features_to_process"] = new JsonArray([.. features.Select(f => JsonValue.Create(f))]);
        json["categorical_features"] = new JsonArray();
        json["target_rules"] = JsonNode.Parse("""{"map": {"BENIGN": 0}, "default": 1}""");
        var request = EngineTestData.Request(json.ToJsonString());

        var outcome = TrainingEngine.Train(request, root.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        var report = outcome.Report;
        var counted = Assert.Single(report.Warnings, w => w.Contains("NaN/Infinity cells read as empty", StringComparison.Ordinal));
        Assert.Contains("'Flow Bytes/s'", counted);
        Assert.Contains("'Flow Packets/s'", counted);
        Assert.True(report.Accuracy > 90, $"accuracy {report.Accuracy}");

        using var model = TrainedModel.Load(outcome.Artifact);
        var predicted = model.Predict(request, root.Roots);
        Assert.Equal(outcome.Predictions!.Samples, predicted.Samples);

        json["non_finite"] = "error";
        var strict = EngineTestData.Request(json.ToJsonString());
        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(strict, root.Roots, EngineTestData.SingleThread, null, default));
        Assert.Contains("\"non_finite\": \"empty\"", e.Message);
    }

    /// <summary>The templates say csv_header false (NSL-KDD has no header): a user who lists a headed file's names in
    /// columns and keeps that is told the first line holds the names, not only that a name "is not numeric".</summary>
    [Fact]
    public void A_header_line_read_as_data_is_named_as_the_header_csv_header_false_skipped()
    {
        using var root = new EngineTestData.TempRoot();
        root.Write("headed.csv", "bytes,proto,kind\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},tcp,{i % 2}\n")));
        var json = Template("recommended-binary.json");
        foreach (var field in new[] { "test_dataset", "ignore_features", "target_rules", "label_rules" }) json.Remove(field);
        json["label"] = "Headed";
        json["dataset"] = "headed.csv";
        json["columns"] = new JsonArray("bytes", "proto", "kind");
        json["predict_feature"] = "kind";
        json["features_to_process"] = new JsonArray("bytes", "proto");
        json["categorical_features"] = new JsonArray("proto");
        var request = EngineTestData.Request(json.ToJsonString());

        var e = Assert.Throws<RequestException>(() => TrainingEngine.Train(request, root.Roots, EngineTestData.SingleThread, null, default));
        var issue = Assert.Single(e.Issues);
        Assert.Equal("features_to_process", issue.Field);
        Assert.Contains("'bytes' is not numeric", issue.Message);
        Assert.EndsWith("(line 1 of the file); that line holds the column names: set csv_header to true", issue.Message);
    }

    /// <summary>Flows as a flow exporter writes them: padded header names, "Fwd Header Length" twice, the rates Infinity
    /// when the duration is 0, a few NaN cells. Attacks are short, dense bursts.</summary>
    private static string FlowCsv(int rows, Random rng)
    {
        var csv = new StringBuilder(" Destination Port, Flow Duration, Total Fwd Packets,Flow Bytes/s, Flow Packets/s," +
                                    " Fwd Header Length, Fwd Header Length, Label\n");
        for (int i = 0; i < rows; i++)
        {
            bool attack = rng.NextDouble() < 0.35;
            int duration = attack ? rng.Next(0, 40) : rng.Next(0, 2000);
            int packets = rng.Next(1, 20) + (attack ? 25 : 0);
            string Rate(double perMicro) => duration == 0 ? "Infinity"
                : rng.NextDouble() < 0.01 ? "NaN" : (perMicro / duration * 1e6).ToString("0.###", CultureInfo.InvariantCulture);
            csv.Append(CultureInfo.InvariantCulture,
                $"{(attack ? 80 : rng.Next(2) == 0 ? 443 : 22)},{duration},{packets},{Rate(packets * 100.0)},{Rate(packets)}," +
                $"{packets * 20},{packets * 20},{(attack ? "DoS Hulk" : "BENIGN")}\n");
        }
        return csv.ToString();
    }
}
