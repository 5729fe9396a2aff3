using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Models;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>`predict -f rows.csv --label L` through a real node for a model with categorical features: the streamed file
/// predicts what the same rows predict as predict_rows (a category the model never saw included), block after block in
/// file order, as does a predict request of those rows too large for one cluster message, both warning of the values the
/// model never held as the rows sent at once do, counted over all the blocks; a run that fails leaves no
/// prediction file behind nor replaces an earlier one, nor does one stopped partway; a file of no rows is bad input.</summary>
[Collection("cluster-processes")]
public sealed class StreamedCsvPredictTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private static readonly string[] Protocols = ["tcp", "udp", "icmp"];
    private static readonly string[] Flags = ["SF", "S0", "REJ"];

    [Fact]
    public async Task A_csv_of_rows_with_categorical_cells_predicts_what_predict_rows_predict_and_a_failed_run_writes_nothing()
    {
        var node = StartNode(SeedPorts[0]);
        var trainPath = Path.Combine(Data.Root, "cats.csv");
        File.WriteAllLines(trainPath,
            Rows(400, seed: 3).Select(r => $"{r.Proto},{Num(r.Size)},{r.Flag},{Class(r)}").Prepend("proto,size,flag,label_value"));
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        var trained = await gateway.TrainAsync("cats", TrainJson(trainPath), TrainTimeout);
        Assert.True(trained is ModelTrainedReply, Describe(trained));
        var summary = ((ModelDescription)await gateway.DescribeAsync("cats", AskTimeout)).Summary!;
        Assert.Equal(["proto", "flag"], summary.CategoricalFeatures);

        // A file of a header and no rows is bad input, as predict_rows of no row is: named, exit 2, no prediction.
        var headerOnly = Path.Combine(WorkDir, "header-only.csv");
        File.WriteAllText(headerOnly, "flag,size,proto\n\n");
        var (emptyCode, emptyOut) = await CapturedStdout(() =>
            CsvPredict.RunAsync(gateway, new Output(json: true), headerOnly, "cats", null, null, AskTimeout, default));
        Assert.Equal(ExitCodes.BadInput, emptyCode);
        using (var empty = System.Text.Json.JsonDocument.Parse(emptyOut))
            Assert.Equal($"{headerOnly}: the file has a header line but no rows to predict", empty.RootElement.GetProperty("message").GetString());

        // The rows as predict_rows (text cells for the categorical features), two of them with a value never trained on.
        var rows = Rows(200, seed: 5).Append(("sctp", 10, "SF")).Append(("tcp", 900, "XX")).ToList();
        var json = (Predicted)await gateway.PredictAsync("cats", PredictJson(rows), AskTimeout);
        var expected = json.Result.Samples.OrderBy(s => s.Row).Select(s => (float)s.Predicted).ToArray();
        Assert.Equal(rows.Count, expected.Length);
        Assert.True(expected.Distinct().Count() > 1, "the model predicts one class only: the comparison below would prove little");
        // Sent at once, the rows warn of the values the training rows never held: the blocks below warn alike, of all their rows.
        var unseen = json.Result.Warnings!.Where(w => w.Contains("never held", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, unseen.Count);
        Assert.StartsWith("predict_rows: categorical feature 'proto' has 1 rows with values its training rows never held, read as its " +
            "'other' input: 'sctp' (1); the training rows held ", unseen[0]);
        Assert.StartsWith("predict_rows: categorical feature 'flag' has 1 rows", unseen[1]);
        List<string> UnseenIn(int copies, string field) => unseen.Select(w => w.Replace("predict_rows:", field + ":")
            .Replace("has 1 rows", $"has {copies:N0} rows").Replace("(1);", $"({copies:N0});")).ToList();

        // The same rows repeated past two blocks, one cell quoted as spreadsheets write it: streamed, in file order.
        const int repeats = 120;
        var csv = Path.Combine(WorkDir, "rows.csv");
        var lines = new List<string> { "flag,size,proto,idx" };
        for (int k = 0; k < repeats; k++)
            lines.AddRange(rows.Select((r, i) => $"{r.Flag},{Num(r.Size)},{(i == 1 ? $"\"{r.Proto}\"" : r.Proto)},{i}"));
        File.WriteAllLines(csv, lines);
        var outPath = Path.Combine(WorkDir, "pred.csv");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var warned = new List<string>();
        var rc = await CsvPredict.RunAsync(gateway, new Output(false) { Warned = warned.Add }, csv, "cats", outPath, null, AskTimeout, default);
        Assert.Equal(ExitCodes.Ok, rc);
        Assert.Equal(UnseenIn(repeats, "dataset"), warned);
        var predicted = File.ReadLines(outPath).Skip(1).Select(l => l.Split(',')).ToList();
        Log.Step($"{predicted.Count:N0} streamed rows in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(rows.Count * repeats, predicted.Count);
        for (int i = 0; i < predicted.Count; i++)
        {
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), predicted[i][0]);
            Assert.Equal(expected[i % rows.Count], float.Parse(predicted[i][1], CultureInfo.InvariantCulture));
        }

        // Stopped (Ctrl-C) once rows are being written, in a file of 40 such copies: cancelled, exit 130, neither the file
        // nor a partial one left.
        var longCsv = Path.Combine(WorkDir, "long.csv");
        File.WriteAllLines(longCsv, lines.Take(1).Concat(Enumerable.Repeat(lines.Skip(1), 40).SelectMany(copy => copy)));
        var stopped = Path.Combine(WorkDir, "stopped.csv");
        using (var stop = new CancellationTokenSource())
        {
            var run = CsvPredict.RunAsync(gateway, new Output(false), longCsv, "cats", stopped, null, AskTimeout, stop.Token);
            while (!Directory.GetFiles(WorkDir, "*.partial").Any(f => new FileInfo(f).Length > 100_000))
            {
                Assert.False(run.IsCompleted, "the run ended before it was stopped: a larger file is needed");
                await Task.Delay(20);
            }
            await stop.CancelAsync();
            Assert.Equal(ExitCodes.Cancelled, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        }
        Assert.False(File.Exists(stopped));
        Assert.Empty(Directory.GetFiles(WorkDir, "*.partial"));

        // The same rows as one predict request beyond a cluster message (records, with their target): sent as blocks of
        // text rows, answered in order, with the accuracy over every row.
        const int copies = 500;
        var big = PredictJson(Enumerable.Range(0, copies).SelectMany(_ => rows).ToList(), withTarget: true);
        Assert.True(big.Length > gateway.Frame.PayloadBytes, $"{big.Length:N0} bytes fit one message: the test would not cover the bulk path");
        var bulk = Assert.IsType<Predicted>(await gateway.PredictAsync("cats", big, AskTimeout));
        Assert.Equal(rows.Count * copies, bulk.Result.Rows);
        Assert.Equal(rows.Count * copies - 10_000, bulk.SamplesOmitted);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => expected[i % rows.Count]), bulk.Result.Samples.Select(p => (float)p.Predicted));
        var right = rows.Select((r, i) => expected[i] == Class(r)).Count(ok => ok);
        Assert.Equal(100.0 * right / rows.Count, bulk.Result.Accuracy!.Value, 6);
        Assert.Equal(UnseenIn(copies, "predict_rows"), bulk.Result.Warnings);

        // The same request, its caller gone once the first block is answered (Ctrl-C, an HTTP client that left): no block
        // is sent after that, and the reply says so.
        using (var gone = new CancellationTokenSource())
        {
            long answered = 0;
            var reply = await gateway.PredictAsync("cats", big, AskTimeout, p =>
            {
                if (p is RowsProgressed r) Interlocked.Exchange(ref answered, r.Rows);
                gone.Cancel();
            }, ct: gone.Token);
            var cancelled = Assert.IsType<ModelFailed>(reply);
            Assert.Equal("cancelled", cancelled.Code);
            // Cancelled at the first answer: the blocks then in flight were sent, none after.
            var sent = Regex.Match(cancelled.Message, @"sending ([\d,]+) of ([\d,]+) rows");
            Assert.True(sent.Success, cancelled.Message);
            Assert.Equal(rows.Count * copies, int.Parse(sent.Groups[2].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
            Assert.InRange(int.Parse(sent.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture), 1,
                BulkJsonPredict.TextBlocksInFlight * TextRowsRequest.MaxRows);
            Assert.InRange(Interlocked.Read(ref answered), 1, TextRowsRequest.MaxRows);
        }

        // A text cell in the numeric feature at line 2: refused naming line and column; no file, the earlier one kept.
        File.WriteAllLines(csv, ["flag,size,proto", "SF,abc,tcp", "SF,1,tcp"]);
        File.WriteAllText(outPath, "an earlier run\n");
        Assert.Equal(ExitCodes.BadInput,
            await CsvPredict.RunAsync(gateway, new Output(false), csv, "cats", outPath, null, AskTimeout, default));
        Assert.Equal("an earlier run\n", File.ReadAllText(outPath));
        var fresh = Path.Combine(WorkDir, "fresh.csv");
        Assert.Equal(ExitCodes.BadInput,
            await CsvPredict.RunAsync(gateway, new Output(false), csv, "cats", fresh, null, AskTimeout, default));
        Assert.False(File.Exists(fresh));
        Assert.Empty(Directory.GetFiles(WorkDir, "*.partial"));
        Passed();
    }

    /// <summary>What a command printed on stdout (its --json document) while it ran.</summary>
    private static async Task<(int Code, string Out)> CapturedStdout(Func<Task<int>> run)
    {
        var previous = Console.Out;
        var writer = new StringWriter();
        Console.SetOut(writer);
        try { return (await run(), writer.ToString()); }
        finally { Console.SetOut(previous); }
    }

    private static List<(string Proto, double Size, string Flag)> Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => (Protocols[random.Next(3)], Math.Round(random.NextDouble() * 1000, 1), Flags[random.Next(3)])).ToList();
    }

    /// <summary>Attack: any icmp, or a large half-open (S0) connection.</summary>
    private static int Class((string Proto, double Size, string Flag) r) => r.Proto == "icmp" || (r.Flag == "S0" && r.Size > 300) ? 1 : 0;

    private static string Num(double v) => v.ToString(CultureInfo.InvariantCulture);

    private static string TrainJson(string dataset) => $$"""
        {
          "label": "cats", "dataset": "{{dataset}}", "ml_type": "classification", "predict_feature": "label_value",
          "features_to_process": ["proto", "size", "flag"], "categorical_features": ["proto", "flag"], "apply_scaler": true,
          "seed": 42, "test_size": 0.2, "batch_size": 32, "epochs": 40, "num_splits": 2,
          "loss": "binary_crossentropy", "optimizer": "adam", "metrics": ["accuracy"],
          "model_desc": { "layers": [
            { "num_neurons": 16, "init": "uniform", "activation": "relu" },
            { "num_neurons": 1, "init": "uniform", "activation": "sigmoid" } ] },
          "label_rules": { "labels": ["normal", "attack"], "label_values": [0, 1] }
        }
        """;

    private static string PredictJson(List<(string Proto, double Size, string Flag)> rows, bool withTarget = false)
    {
        var records = new StringBuilder();
        foreach (var r in rows)
            records.Append(records.Length == 0 ? "" : ",")
                .Append($$"""{"proto": "{{r.Proto}}", "size": {{Num(r.Size)}}, "flag": "{{r.Flag}}" """)
                .Append(withTarget ? $", \"label_value\": {Class(r)}}}" : "}");
        return $$"""{"label": "cats", "predict_feature": "label_value", "max_records": {{rows.Count}}, "predict_rows": [{{records}}]}""";
    }
}
