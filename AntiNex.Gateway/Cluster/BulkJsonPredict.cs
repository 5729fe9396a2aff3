// A predict request whose predict_rows do not fit one cluster message: the gateway reads the rows into a float32 block
// in the model's feature order and sends it in frame-sized pieces (ChunkedRows), then builds the usual answer: one
// sample per row up to max_records (and 10,000, as a node caps a reply), accuracy when the rows carry a numeric target.
// A model with categorical features gets its rows as predict requests of text rows instead (TextRowsRequest), a few in
// flight, since its categories have no float.
using System.Globalization;
using System.Text.Json;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Gateway.Cluster;

internal static class BulkJsonPredict
{
    /// <summary>Samples returned at most, as a node caps its own predict replies.</summary>
    public const int MaxSamples = 10_000;

    /// <summary>Text-row requests in flight at once.</summary>
    internal const int TextBlocksInFlight = 4;

    /// <summary>True when the request carries predict_rows (the only part that can make a predict large).</summary>
    public static bool Applies(string json)
    {
        try
        {
            using var doc = RequestJson.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("predict_rows", out var rows) &&
                   rows.ValueKind is JsonValueKind.Array or JsonValueKind.Object or JsonValueKind.String;
        }
        catch (JsonException) { return false; }
        catch (RequestException) { return true; } // the run names the duplicated key or invalid text
    }

    /// <summary>Once <paramref name="ct"/> is cancelled (Ctrl-C, an HTTP client gone) no further block is sent, and the reply
    /// is a "cancelled" failure.</summary>
    public static async Task<object> RunAsync(GatewayClient client, string modelId, string json, TimeSpan timeout, string? requestId,
        Action<int>? progress = null, CancellationToken ct = default)
    {
        // The rows are packed in the described version's feature order. A retrain landing before they are answered may
        // order (or choose) its features differently: that answer is thrown away and the rows packed again, once.
        for (var attempt = 1; ; attempt++)
        {
            var described = await client.DescribeAsync(modelId, timeout);
            if (described is ModelFailed) return described;
            if (described is not ModelDescription { Trained: true, Summary: { } summary } description)
                return new ModelFailed(modelId, "not-trained", $"label '{modelId}' has no trained model: train it first",
                    [new RequestIssue("label", "predicting rows beyond one cluster message needs a trained model")], requestId);
            PackedRows packed;
            int maxRecords;
            var warnings = new List<string>();
            try
            {
                using var doc = RequestJson.Parse(json);
                var root = doc.RootElement;
                var cells = Cells(root, summary, warnings);
                maxRecords = (int)(NumberField(root, "max_records", whole: true) ?? 100_000);
                if (maxRecords <= 0) throw new RequestException("max_records", $"must be >= 1, got {maxRecords}");
                packed = PredictRowsPacker.Pack(root.GetProperty("predict_rows"), summary.InputFeatures, summary.PredictFeature, cells,
                    summary.CategoricalFeatures);
                if (packed.MissingKeys is { } gaps) warnings.Add(gaps.Warning); // as a node says it of rows it reads itself
                if (Frame.NonFiniteWarning("predict_rows", cells.MarkEmpty, packed.NonFiniteRead) is { } nonFinite) warnings.Add(nonFinite);
            }
            catch (RequestException re) { return new ModelFailed(modelId, "bad-request", re.Message, re.Issues, requestId); }
            catch (JsonException je)
            {
                return ModelFailed.Of(modelId, "bad-request", $"predict_rows: not valid JSON {JsonSyntaxError.Describe(je, null)}", requestId);
            }
            if (ct.IsCancellationRequested) return ChunkedRows.Cancelled(modelId, 0, packed.Rows) with { RequestId = requestId };

            var unseen = new UnseenTally(summary.InputFeatures);
            var reply = packed.Texts is null
                ? await client.PredictRowsAsync(new PredictRawRows(modelId, packed.Columns, packed.Values), timeout, progress, ct)
                : await TextBlocksAsync(client, modelId, summary, packed, unseen, timeout, progress, ct);
            if (reply is ModelFailed f) return f with { RequestId = requestId };
            if (reply is not RowsPredicted rows) return reply;
            if (rows.Version != description.Version)
            {
                if (attempt < 2) continue;
                return ModelFailed.Of(modelId, "busy",
                    $"model '{modelId}' changed version twice during the request (now version {rows.Version}); send it again", requestId);
            }
            warnings.AddRange(unseen.Warnings("predict_rows")); // as a node says it of predict_rows sent at once
            var result = Result(summary.Label, summary.MlType, rows.Values, packed.Originals, maxRecords);
            return new Predicted(modelId, rows.Version, warnings.Count == 0 ? result : result with { Warnings = warnings },
                rows.Node, false, Math.Max(0, packed.Rows - Math.Min(maxRecords, MaxSamples)), requestId);
        }
    }

    /// <summary>The rules the rows are read with: the request's mark_empty and non_finite where it gives them, else those
    /// the described model was trained with, as a node reads a predict; a given one that differs adds a warning.</summary>
    internal static CellRules Cells(JsonElement root, ModelSummary summary, ICollection<string> warnings)
    {
        bool? nonFinite = root.TryGetProperty("non_finite", out var nf) && nf.ValueKind != JsonValueKind.Null
            ? AntiNexRequest.ParseNonFinite(nf.ValueKind == JsonValueKind.String ? nf.GetString() : nf.GetRawText())
              ?? throw new RequestException("non_finite", $"must be \"error\" or \"empty\", got {RawJson.Shown(nf)}")
            : null;
        return CellRules.Serving(summary.TrainedCells(), NumberField(root, "mark_empty"), nonFinite, warnings);
    }

    /// <summary>A number field read as the request parser reads it: a JSON number or a number written as text; null when
    /// absent or null; anything else refused, naming the field.</summary>
    private static double? NumberField(JsonElement root, string field, bool whole = false)
    {
        if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        double? value = e.ValueKind switch
        {
            JsonValueKind.Number when e.TryGetDouble(out var d) => d,
            JsonValueKind.String when double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) => t,
            _ => null,
        };
        if (value is not { } v || !double.IsFinite(v)) throw new RequestException(field, $"must be a number, got {RawJson.Shown(e)}");
        if (whole && (v != Math.Floor(v) || v is < int.MinValue or > int.MaxValue))
            throw new RequestException(field, $"must be an integer within {int.MaxValue:N0}, got {RawJson.Shown(e)}");
        return v;
    }

    /// <summary>The rows of a model with categorical features, as text-row requests answered in order: one RowsPredicted, or
    /// the first failure. The values each block holds that the model never held are added to <paramref name="unseen"/>.</summary>
    private static async Task<object> TextBlocksAsync(GatewayClient client, string modelId, ModelSummary summary, PackedRows packed,
        UnseenTally unseen, TimeSpan timeout, Action<int>? progress, CancellationToken ct)
    {
        var maxBytes = TextRowsRequest.BlockBytes(client.Frame);
        var values = new float[packed.Rows];
        var pending = new Queue<(Task<object> Reply, int First, int Rows)>();
        long version = 0;
        var node = "";
        int next = 0;
        while (next < packed.Rows || pending.Count > 0)
        {
            if (ct.IsCancellationRequested && next < packed.Rows) return Abandon(pending, ChunkedRows.Cancelled(modelId, next, packed.Rows));
            if (next < packed.Rows && pending.Count < TextBlocksInFlight)
            {
                using var request = new TextRowsRequest(modelId, summary, maxBytes);
                var first = next;
                for (; next < packed.Rows && !request.Full; next++) request.Add(packed, next);
                pending.Enqueue((client.PredictBlockAsync(modelId, request.Finish(), timeout), first, next - first));
                continue;
            }
            var (task, start, rows) = pending.Dequeue();
            var reply = await task;
            if (BlockAnswer.Values(reply, rows) is not ({ } block, var blockVersion))
                return Abandon(pending, reply is RowsPredicted or Predicted ? BlockAnswer.Short(modelId, reply, rows) : reply);
            block.CopyTo(values, start);
            BlockAnswer.Tally(reply, unseen);
            if (version > 0 && blockVersion != version) // versions start at 1
                return Abandon(pending, ChunkedRows.ChangedVersion(modelId, Math.Min(version, blockVersion), Math.Max(version, blockVersion)));
            version = blockVersion;
            if (reply is Predicted p) node = p.Node;
            progress?.Invoke(rows);
        }
        return new RowsPredicted(modelId, version, values, node);
    }

    /// <summary>Returns <paramref name="reply"/>, leaving the blocks still in flight to be answered and dropped (their faults
    /// observed, so none surfaces as an unobserved task exception).</summary>
    private static object Abandon(Queue<(Task<object> Reply, int First, int Rows)> pending, object reply)
    {
        foreach (var (task, _, _) in pending) _ = task.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        return reply;
    }

    private static PredictionResult Result(string label, string mlType, float[] values, double[]? originals, int maxRecords)
    {
        var regression = mlType.Equals("regression", StringComparison.OrdinalIgnoreCase);
        var samples = new List<SamplePrediction>(Math.Min(values.Length, Math.Min(maxRecords, MaxSamples)));
        int known = 0, correct = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double? original = originals is not null && !double.IsNaN(originals[i]) ? originals[i] : null;
            if (original is { } o && !regression)
            {
                known++;
                if (Math.Abs(o - values[i]) < 1e-6) correct++;
            }
            if (samples.Count < Math.Min(maxRecords, MaxSamples))
                samples.Add(new SamplePrediction(i, original, values[i],
                    regression ? null : ((double)values[i]).ToString("R", CultureInfo.InvariantCulture), null));
        }
        double? accuracy = known > 0 ? 100.0 * correct / known : null;
        var accText = accuracy is { } a ? a.ToString("0.####", CultureInfo.InvariantCulture) : "None";
        return new PredictionResult
        {
            Label = label, Samples = samples, Rows = values.Length, Accuracy = accuracy,
            Summary = $"{label} made predictions={values.Length} found={samples.Count} accuracy={accText}",
        };
    }
}
