// An infer answered by this process's own copy of the model: the same checks and the same predict calls as a model
// node's copy (raw float32 rows for `predicted`; for all outputs the rows as float64, decided as a predict_rows request
// decides them; rows with categorical text as the predict_rows request itself), so the answers are identical.
using AntiNex.Data;
using AntiNex.Gateway.Http.Local;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Requests;

namespace AntiNex.Gateway.Http.Inference;

internal static class LocalInfer
{
    /// <summary>The outputs, or null when the copy was retired meanwhile (the caller goes the cluster way). A request the
    /// model refuses throws the same problem the cluster path would answer.</summary>
    public static List<ResponseOutput>? TryPredict(LocalCopy copy, InferenceInput input, IReadOnlyList<string> wanted, bool valuesOnly)
    {
        try
        {
            if (input.HasText) return PredictText(copy, input, wanted);
            if (valuesOnly && input.FitsFloat32)
            {
                var block = input.ToBlock(copy.ModelId);
                if (RowBatcher.Validate(block, copy.InputFeatures) is { } issue)
                    throw ReplyStatus.Problem(new ModelFailed(copy.ModelId, "bad-request", issue.ToString(), [issue], null));
                var values = copy.Model.PredictRows(block.Values, 0, block.RowCount, block.Columns);
                return [new ResponseOutput(ModelOutputs.Predicted, [values.Length], "FP64", values)];
            }
            if (input.RowCount == 0)
            {
                var none = new RequestIssue("rows", "no rows to predict");
                throw ReplyStatus.Problem(new ModelFailed(copy.ModelId, "bad-request", none.ToString(), [none], null));
            }
            var decisions = copy.Model.PredictRawDecisions(new RowView<double>(input.Values, 0, input.RowCount, input.Columns));
            return ModelOutputs.FromDecisions(decisions, wanted);
        }
        catch (ObjectDisposedException) { return null; }
        catch (RequestException re) { throw ReplyStatus.Problem(new ModelFailed(copy.ModelId, "bad-request", re.Message, re.Issues, null)); }
    }

    private static readonly DataRoots NoDataRoots = new([]); // predict_rows only: no file is read

    /// <summary>Rows with categorical text, answered as a model node answers them: as a predict_rows request.</summary>
    private static List<ResponseOutput> PredictText(LocalCopy copy, InferenceInput input, IReadOnlyList<string> wanted)
    {
        var request = AntiNexRequest.Parse(PredictRowsRequest.Json(copy.ModelId, copy.Summary, input, 0, input.RowCount), out _);
        var samples = copy.Model.Predict(request, NoDataRoots).Samples;
        return ModelOutputs.FromSamples(samples.OrderBy(s => s.Row).ToList(), wanted);
    }
}
