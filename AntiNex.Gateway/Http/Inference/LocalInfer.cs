// An infer answered by this process's own copy of the model: the same checks and the same predict calls as a model
// node's copy (raw float32 rows for `predicted`; a predict_rows request for all outputs), so the answers are identical.
using System.Text.Json;
using AntiNex.Data;
using AntiNex.Gateway.Http.Local;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Requests;

namespace AntiNex.Gateway.Http.Inference;

internal static class LocalInfer
{
    private static readonly DataRoots NoDataRoots = new([]); // predict_rows only: no dataset is ever read here

    /// <summary>The outputs, or null when the copy was retired meanwhile (the caller goes the cluster way). A request the
    /// model refuses throws the same problem the cluster path would answer.</summary>
    public static List<ResponseOutput>? TryPredict(LocalCopy copy, InferenceInput input, IReadOnlyList<string> wanted, bool valuesOnly)
    {
        try
        {
            if (valuesOnly)
            {
                var block = input.ToBlock(copy.ModelId);
                if (RowBatcher.Validate(block, copy.InputFeatures) is { } issue)
                    throw ReplyStatus.Problem(new ModelFailed(copy.ModelId, "bad-request", issue.ToString(), [issue], null));
                var values = copy.Model.PredictRows(block.Values, 0, block.RowCount, block.Columns);
                return [new ResponseOutput(ModelOutputs.Predicted, [values.Length], "FP64", values)];
            }
            AntiNexRequest request;
            try { request = AntiNexRequest.Parse(InferenceEndpoints.PredictRowsJson(copy.ModelId, copy.Summary, input.Rows), out _); }
            catch (RequestException re) { throw ReplyStatus.Problem(new ModelFailed(copy.ModelId, "bad-request", re.Message, re.Issues, null)); }
            var result = copy.Model.Predict(request, NoDataRoots);
            return ModelOutputs.FromSamples(result.Samples.OrderBy(s => s.Row).ToList(), wanted);
        }
        catch (ObjectDisposedException) { return null; }
        catch (RequestException re) { throw ReplyStatus.Problem(new ModelFailed(copy.ModelId, "bad-request", re.Message, re.Issues, null)); }
    }
}
