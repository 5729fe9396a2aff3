using System.CommandLine;
using System.Diagnostics;

namespace AntiNex.Gateway.Commands;

/// <summary>`predict -f FILE`: predicts with the label's model (training it first when never trained and the
/// request carries a dataset, as the original AntiNex did). A request of any size works: predict_rows beyond one cluster
/// message travel as float32 blocks. `predict -f rows.csv --label L` streams a CSV of any size.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var common = new ClusterCommandOptions("10m");
        var file = new Option<string>("--file", "-f")
        {
            Description = "AntiNex predict request (JSON), or a CSV of rows with --label", Required = true,
        };
        var label = new Option<string>("--label", "-l") { Description = "The model predicting a CSV file's rows" };
        var output = new Option<string>("--out", "-o") { Description = "CSV predictions of a CSV file: row,predicted" };
        var nonFinite = new Option<string>("--non-finite")
        {
            Description = "NaN/Infinity cells of a CSV file: error (refuse) or empty (read as empty cells); by default as the " +
                          "model's training request read them (its non_finite; empty cells always read as its mark_empty)",
        };
        nonFinite.AcceptOnlyFromAmong("error", "empty");
        var command = new Command("predict", "Predict with a model on the cluster from an AntiNex request file or a CSV of rows.");
        command.Options.Add(file);
        command.Options.Add(label);
        command.Options.Add(output);
        command.Options.Add(nonFinite);
        common.AddTo(command);
        command.SetAction((p, ct) =>
        {
            var path = p.GetValue(file)!;
            if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                if (string.IsNullOrWhiteSpace(p.GetValue(label)) || !File.Exists(path))
                {
                    new Output(p.GetValue(common.Json)).Error("bad-request", !File.Exists(path)
                        ? $"file '{path}' does not exist" : "--label: required with a CSV file (it names the model that predicts the rows)");
                    return Task.FromResult(ExitCodes.BadInput);
                }
                if (p.GetValue(output) is { } outPath && SameFile(outPath, path))
                {
                    new Output(p.GetValue(common.Json)).Error("usage", $"--out: '{outPath}' is the input file; give another name");
                    return Task.FromResult(ExitCodes.BadInput);
                }
                return common.RunAsync(p, ct, (client, o) =>
                    CsvPredict.RunAsync(client, o, path, p.GetValue(label)!, p.GetValue(output),
                        p.GetValue(nonFinite) is { } given ? given == "empty" : null, common.TimeoutFrom(p), ct));
            }
            // The CSV options mean nothing to a JSON request (its label and rows are in the file): refused rather than dropped.
            var csvOnly = ClusterCommandOptions.Given(p, label, output, nonFinite);
            if (csvOnly.Count > 0)
            {
                new Output(p.GetValue(common.Json)).Error("usage", $"{string.Join(", ", csvOnly)}: only with a CSV file (-f ROWS.csv); " +
                    "a JSON request names its label and carries its rows");
                return Task.FromResult(ExitCodes.BadInput);
            }
            RequestFile request;
            try { request = RequestFile.Read(path).Checked(); } // what validate refuses is refused before anything is sent
            catch (UsageException ex)
            {
                new Output(p.GetValue(common.Json))
                .Error("bad-request", ex.Message); return Task.FromResult(ExitCodes.BadInput);
            }
            return common.RunAsync(p, ct, async (client, o) =>
            {
                var clock = Stopwatch.StartNew();
                var reply = await client.PredictAsync(request.ModelId, request.Json, common.TimeoutFrom(p), o.Progress, ct: ct);
                if (reply is AntiNex.Models.Predicted { Result.Rows: > 10_000 } big)
                    Console.Error.WriteLine($"{big.Label}: {big.Result.Rows:N0} rows in {clock.Elapsed.TotalSeconds:F2} s " +
                                            $"({big.Result.Rows / clock.Elapsed.TotalSeconds:N0} rows/s)");
                return o.Reply(reply);
            });
        });
        return command;
    }

    /// <summary>Whether two paths name one file (through symbolic links too).</summary>
    private static bool SameFile(string a, string b)
    {
        try { return PredictionFile.Resolved(a) == PredictionFile.Resolved(b); }
        catch (IOException) { return Path.GetFullPath(a) == Path.GetFullPath(b); }
    }
}
