// Inference rows as an AntiNex predict request (predict_rows, written by PredictRowsWriter), and how large one row is.
using System.Text;
using AntiNex.Gateway.Cluster;
using AntiNex.Learning;

namespace AntiNex.Gateway.Http.Inference;

internal static class PredictRowsRequest
{
    /// <summary>Rows [start, start + count) of the input; every one is answered (max_records is the row count).</summary>
    public static string Json(string id, ModelSummary summary, InferenceInput input, int start, int count)
    {
        using var w = new PredictRowsWriter(id, summary, count * input.Columns * 12 + 256);
        for (var r = start; r < start + count; r++)
        {
            w.BeginRow();
            for (var f = 0; f < input.Columns; f++)
            {
                if (input.Text?[f] is { } text) w.Text(f, text[r]);
                else w.Number(f, input.Values[r * input.Columns + f]);
            }
            w.EndRow();
        }
        return w.Finish();
    }

    /// <summary>About how many bytes a row takes in <see cref="Json"/>, to cut large inputs into slices of a given size.</summary>
    public static int BytesPerRow(ModelSummary summary, InferenceInput input)
    {
        var text = input.Text?.Sum(column => column?.Sum(s => (long)Encoding.UTF8.GetByteCount(s) + 3) ?? 0) ?? 0;
        return summary.InputFeatures.Sum(f => f.Length + 28) + (int)Math.Min(int.MaxValue / 2, text / Math.Max(1, input.RowCount));
    }
}
