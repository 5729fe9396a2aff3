// Inference rows as an AntiNex predict request (predict_rows), the form the model's own pipeline reads: numeric inputs
// as numbers, categorical ones as their text, which the pipeline one-hot encodes as it did at training.
using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AntiNex.Learning;

namespace AntiNex.Gateway.Http.Inference;

internal static class PredictRowsRequest
{
    /// <summary>Rows [start, start + count) of the input; every one is answered (max_records is the row count).</summary>
    public static string Json(string id, ModelSummary summary, InferenceInput input, int start, int count)
    {
        var features = summary.InputFeatures;
        var buffer = new ArrayBufferWriter<byte>(count * features.Count * 12 + 256);
        // Text as UTF-8, not \uXXXX escapes: a slice's size then follows its text (sized by BytesPerRow below).
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("label", id);
            w.WriteString("ml_type", summary.MlType);
            w.WriteString("predict_feature", summary.PredictFeature);
            w.WriteNumber("max_records", count);
            w.WriteStartArray("predict_rows");
            for (var r = start; r < start + count; r++)
            {
                w.WriteStartObject();
                for (var f = 0; f < input.Columns; f++)
                {
                    if (input.Text?[f] is { } text) w.WriteString(features[f], text[r]);
                    else w.WriteNumber(features[f], input.Values[r * input.Columns + f]);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>About how many bytes a row takes in <see cref="Json"/>, to cut large inputs into slices of a given size.</summary>
    public static int BytesPerRow(ModelSummary summary, InferenceInput input)
    {
        var text = input.Text?.Sum(column => column?.Sum(s => (long)Encoding.UTF8.GetByteCount(s) + 3) ?? 0) ?? 0;
        return summary.InputFeatures.Sum(f => f.Length + 28) + (int)Math.Min(int.MaxValue / 2, text / Math.Max(1, input.RowCount));
    }
}
