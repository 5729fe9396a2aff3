// `predict -f rows.csv --label L`: a CSV of any size streamed through the cluster. Blocks of rows are read, sent as
// float32 messages that fit the remote frame, a few in flight, and answered in file order (to --out, or counted), so the
// gateway holds a handful of blocks whatever the file's size. A model with categorical features gets its blocks as
// predict requests holding those cells as text instead, so that its own pipeline encodes them (see TextRowsRequest).
// Progress every second and rows/s at the end go to stderr.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AntiNex.Data;
using AntiNex.Gateway.Cluster;
using AntiNex.Learning;
using AntiNex.Models;

namespace AntiNex.Gateway.Commands;

internal static class CsvPredict
{
    /// <summary>Blocks in flight: overlaps reading, transport and prediction.</summary>
    private const int InFlight = 4;
    private const int MaxBlockRows = 50_000;
    /// <summary>Predicted values counted for the summary: a class model has a few; a regression model's every row may be new,
    /// and counting them all would grow with the file.</summary>
    private const int MaxDistinct = 1_000;
    /// <summary>What a block's wait answers when the user stopped the run (Ctrl-C).</summary>
    private static readonly object Stop = new();

    /// <param name="nonFiniteAsEmpty">--non-finite: null when not given, then the model's non_finite is used.</param>
    public static async Task<int> RunAsync(GatewayClient client, Output output, string path, string label, string? outPath,
        bool? nonFiniteAsEmpty, TimeSpan timeout, CancellationToken ct)
    {
        var id = ModelIds.FromLabel(label);
        var described = await client.DescribeAsync(id, TimeSpan.FromSeconds(60));
        if (described is ModelFailed df) return output.Reply(df);
        if (described is not ModelDescription { Trained: true, Summary: { } summary })
            return output.Reply(ModelFailed.Of(id, "not-trained", $"label '{id}' has no trained model: train it first"));
        var features = summary.InputFeatures;
        var text = summary.CategoricalFeatures is { Count: > 0 } categorical ? categorical : null;
        var warnings = new List<string>();
        var cells = Cells(summary, nonFiniteAsEmpty, warnings);
        foreach (var w in warnings) output.Warning(w);
        using var reader = new CsvRowReader(path, features, cells, summary.CategoricalFeatures);
        if (reader.EncodingWarning is { } encoding) // said first: it explains odd text in an error below
        {
            warnings.Add(encoding);
            output.Warning(encoding);
        }
        var blockRows = Math.Clamp(client.Frame.RowsPerMessage(features.Count), 1, MaxBlockRows);
        var textBytes = TextRowsRequest.BlockBytes(client.Frame);
        var numbers = new double[features.Count];
        var texts = new string[features.Count];
        await using var file = outPath is null ? null : PredictionFile.Open(outPath);
        var writer = file?.Writer;
        writer?.WriteLine("row,predicted");

        var counts = new SortedDictionary<float, long>();
        var unseen = new UnseenTally(features);
        var pending = new Queue<(Task<object> Reply, long FirstRow, int Rows)>();
        var clock = Stopwatch.StartNew();
        long sent = 0, answered = 0, version = 0, uncounted = 0;
        var lastProgress = TimeSpan.Zero;
        var err = Console.Error;

        // The next block read and sent; null at the end of the file.
        (Task<object> Reply, int Rows)? SendNext()
        {
            if (text is null)
            {
                var block = new float[blockRows * features.Count];
                var rows = reader.Read(block);
                if (rows == 0) return null;
                if (rows < blockRows) Array.Resize(ref block, rows * features.Count);
                return (client.PredictRowsAsync(new PredictRawRows(id, features.Count, block), timeout), rows);
            }
            using var request = new TextRowsRequest(id, summary, textBytes);
            while (!request.Full && reader.ReadRow(numbers, texts)) request.Add(numbers, texts);
            return request.Rows == 0 ? null : (client.PredictBlockAsync(id, request.Finish(), timeout), request.Rows);
        }

        int Failed(object failure)
        {
            if (failure != Stop) return output.Reply(failure);
            output.Error("cancelled", $"{id}: stopped after {answered:N0} rows" + (outPath is null ? "" : $"; {outPath} was not written"));
            return ExitCodes.Cancelled;
        }

        async Task<object?> Collect()
        {
            var (task, first, rows) = pending.Dequeue();
            object reply;
            try { reply = await task.WaitAsync(ct); }
            // Ctrl-C, not a timeout (the gateway, stopping on the same signal, may fail the request first).
            catch (Exception e) when (ct.IsCancellationRequested && e is OperationCanceledException or ClusterUnavailableException) { return Stop; }
            if (BlockAnswer.Values(reply, rows) is not ({ } values, var replyVersion))
                return reply is RowsPredicted or Predicted ? BlockAnswer.Short(id, reply, rows) : reply;
            // One file, one model: a training that lands mid-stream fails the run (busy) rather than mixing two versions' rows.
            if (version != 0 && replyVersion != version)
                return ChunkedRows.ChangedVersion(id, Math.Min(version, replyVersion), Math.Max(version, replyVersion));
            version = replyVersion;
            BlockAnswer.Tally(reply, unseen);
            for (int i = 0; i < values.Length; i++)
            {
                var v = values[i];
                if (counts.Count < MaxDistinct || counts.ContainsKey(v)) counts[v] = counts.GetValueOrDefault(v) + 1;
                else uncounted++;
                writer?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{first + i},{v:R}"));
            }
            answered += values.Length;
            if (clock.Elapsed - lastProgress >= TimeSpan.FromSeconds(1))
            {
                lastProgress = clock.Elapsed;
                err.WriteLine($"{id}: {answered:N0} rows predicted ({100.0 * reader.Position / Math.Max(1, reader.Length):0}% of the file), " +
                              $"{answered / clock.Elapsed.TotalSeconds:N0} rows/s");
            }
            return null;
        }

        while (!ct.IsCancellationRequested)
        {
            (Task<object> Reply, int Rows)? next;
            try { next = SendNext(); }
            catch (UsageException ex)
            {
                output.Error("bad-request", $"{path}: {ex.Message}");
                return ExitCodes.BadInput;
            }
            if (next is not ({ } reply, var rows)) break;
            pending.Enqueue((reply, sent, rows));
            sent += rows;
            if (pending.Count >= InFlight && await Collect() is { } failure) return Failed(failure);
        }
        while (pending.Count > 0)
            if (await Collect() is { } failure) return Failed(failure);
        if (ct.IsCancellationRequested) return Failed(Stop);
        // Cells read as empty, then values the model never held, as a node says them of a dataset it predicts.
        foreach (var w in reader.RowWarnings().Concat(unseen.Warnings(CsvRowReader.Field)))
        {
            warnings.Add(w);
            output.Warning(w);
        }
        if (file is not null)
            try { await file.CommitAsync(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                output.Error("usage", $"--out: every row was predicted but '{outPath}' could not be written: {e.Message}");
                return ExitCodes.BadInput;
            }
        var seconds = clock.Elapsed.TotalSeconds;
        var rate = answered / Math.Max(seconds, 1e-9);
        if (output.Json)
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                label = id, version, rows = answered, seconds = Math.Round(seconds, 3), rows_per_second = Math.Round(rate),
                predicted = counts.ToDictionary(c => c.Key.ToString("R", CultureInfo.InvariantCulture), c => c.Value),
                rows_not_counted = uncounted > 0 ? uncounted : (long?)null, output = outPath,
                warnings = warnings.Count > 0 ? warnings : null,
                gateway_peak_rss_mb = PeakRssMb(),
            }, Output.JsonOptions));
        else
        {
            Console.WriteLine($"{id} version {version}: predicted {answered:N0} rows in {seconds:F2} s ({rate:N0} rows/s)" +
                              (outPath is null ? "" : $", written to {outPath}") + $"; gateway peak RSS {PeakRssMb()} MB");
            foreach (var (value, count) in counts.Take(20))
                Console.WriteLine($"  predicted {value.ToString("R", CultureInfo.InvariantCulture)}: {count:N0} rows");
            if (uncounted > 0)
                Console.WriteLine($"  {uncounted:N0} rows predicted values beyond the first {MaxDistinct:N0} distinct ones (not counted)");
        }
        return ExitCodes.Ok;
    }

    /// <summary>The rules the file's cells are read with: the model's mark_empty (the console has no option for it) and its
    /// non_finite unless --non-finite gives one; a given one that differs from the model's adds a warning.</summary>
    internal static CellRules Cells(ModelSummary summary, bool? nonFiniteAsEmpty, ICollection<string> warnings)
        => CellRules.Serving(summary.TrainedCells(), null, nonFiniteAsEmpty, warnings);

    /// <summary>This process's peak resident memory (VmHWM): flat whatever the file's size.</summary>
    private static long PeakRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return -1;
    }
}
