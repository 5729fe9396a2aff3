using System.Globalization;
using System.Text;
using AntiNex.Models;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>Predicts of any size through a real node: float32 row blocks predict what JSON rows predict, requests beyond
/// the remote frame are cut into pieces (records and columns orientation, a million raw rows), and what cannot be cut is
/// refused at once with a clear error while the cluster keeps serving.</summary>
[Collection("cluster-processes")]
public sealed class BulkPredictTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task Binary_rows_predict_what_json_rows_predict_at_any_size_and_oversized_requests_fail_at_once()
    {
        var node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        await TrainAsync(gateway, "Bulk", epochs: 20);
        var features = ((ModelDescription)await gateway.DescribeAsync("bulk", AskTimeout)).Summary!.InputFeatures;

        // The same 50 rows as JSON (the entity's own reader) and as a float32 block.
        var json = (Predicted)await gateway.PredictAsync("bulk", Data.PredictJson("Bulk", 50), AskTimeout);
        var expected = json.Result.Samples.Select(s => s.Predicted).ToArray();
        Assert.True(expected.Distinct().Count() > 1, "the model predicts one class only: the comparison below would prove little");
        var binary = Assert.IsType<RowsPredicted>(await gateway.PredictRowsAsync("bulk", Data.RawRows(features, 50), AskTimeout));
        Assert.Equal(expected, binary.Values.Select(v => (double)v));
        Log.Step($"50 rows: JSON and binary agree ({string.Join(" ", expected.GroupBy(v => v).Select(g => $"{g.Count()} x {g.Key}"))})");

        // A million raw rows: 48 MB of float32, cut under the 4 MB frame.
        const int million = 1_000_000;
        var block = new float[million * features.Count];
        for (int i = 0; i < million; i++)
            for (int j = 0; j < features.Count; j++) block[i * features.Count + j] = (float)Data.Rows[i % 50][features[j]];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var reply1M = await gateway.PredictRowsAsync(new PredictRawRows("bulk", features.Count, block), AskTimeout);
        var big = reply1M as RowsPredicted ?? throw new Xunit.Sdk.XunitException(Describe(reply1M));
        Log.Step($"1,000,000 raw rows answered in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(million, big.Values.Length);
        for (int i = 0; i < million; i += 9_973) Assert.Equal(expected[i % 50], big.Values[i]);

        // predict_rows beyond one message, in both orientations: answered through the row path, same predictions.
        const int rows = 60_000;
        foreach (var columns in new[] { false, true })
        {
            var request = BigPredictJson("Bulk", rows, columns);
            Assert.True(request.Length > gateway.Frame.PayloadBytes, $"{request.Length} bytes");
            var reply = await gateway.PredictAsync("bulk", request, AskTimeout);
            var predicted = reply as Predicted ?? throw new Xunit.Sdk.XunitException(Describe(reply));
            Assert.Equal(rows, predicted.Result.Rows);
            Assert.Equal(rows - predicted.Result.Samples.Count, predicted.SamplesOmitted);
            Assert.All(predicted.Result.Samples, s => Assert.Equal(expected[s.Row % 50], s.Predicted));
            Assert.Equal(json.Result.Accuracy, predicted.Result.Accuracy);
            Log.Step($"{rows:N0} predict_rows ({(columns ? "columns" : "records")}, {request.Length / 1e6:F1} MB): {predicted.Result.Summary}");
        }

        // Nothing to cut (inline training rows): refused at once, naming the frame; the label keeps serving.
        var train = Data.TrainJson("Bulk").TrimEnd().TrimEnd('}') + ", \"predict_rows\": " + Records(rows) + "}";
        var refused = Assert.IsType<ModelFailed>(await gateway.TrainAsync("bulk", train, TimeSpan.FromMinutes(5)));
        Assert.Equal("too-large", refused.Code);
        Assert.Contains("maximum-frame-size", refused.Message);
        Assert.Equal(expected, ((Predicted)await gateway.PredictAsync("bulk", Data.PredictJson("Bulk", 50), AskTimeout)).Result.Samples
            .Select(s => s.Predicted));
        Passed();
    }

    private string Records(int rows)
    {
        var text = new StringBuilder("[");
        var names = TestData.Features.Append("label_value").ToArray();
        for (int i = 0; i < rows; i++)
        {
            text.Append(i == 0 ? "{" : ",{");
            for (int j = 0; j < names.Length; j++)
                text.Append(j == 0 ? "" : ",").Append('"').Append(names[j]).Append("\":")
                    .Append(Data.Rows[i % 50][names[j]].ToString(CultureInfo.InvariantCulture));
            text.Append('}');
        }
        return text.Append(']').ToString();
    }

    private string BigPredictJson(string label, int rows, bool columns)
    {
        string predictRows;
        if (!columns) predictRows = Records(rows);
        else
        {
            var text = new StringBuilder("{");
            var names = TestData.Features.Append("label_value").ToArray();
            for (int j = 0; j < names.Length; j++)
            {
                text.Append(j == 0 ? "" : ",").Append('"').Append(names[j]).Append("\":{");
                for (int i = 0; i < rows; i++)
                    text.Append(i == 0 ? "" : ",").Append('"').Append(i).Append("\":")
                        .Append(Data.Rows[i % 50][names[j]].ToString(CultureInfo.InvariantCulture));
                text.Append('}');
            }
            predictRows = text.Append('}').ToString();
        }
        return $$"""{"label": "{{label}}", "predict_feature": "label_value", "predict_rows": {{predictRows}}}""";
    }
}
