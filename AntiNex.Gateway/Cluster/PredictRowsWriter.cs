// An AntiNex predict request (predict_rows) written row by row: the form a model's own pipeline reads, numeric inputs as
// numbers and categorical ones as their text, which the pipeline one-hot encodes as it did at training. Text is written
// as UTF-8, not \uXXXX escapes, so a request's size follows its text (callers cut blocks by Bytes to fit a cluster message).
using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AntiNex.Learning;

namespace AntiNex.Gateway.Cluster;

internal sealed class PredictRowsWriter : IDisposable
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Utf8JsonWriter _writer;
    private readonly JsonEncodedText[] _names;

    /// <param name="capacity">initial buffer bytes</param>
    public PredictRowsWriter(string label, ModelSummary summary, int capacity = 1 << 16)
    {
        _names = summary.InputFeatures.Select(f => JsonEncodedText.Encode(f, Encoder)).ToArray();
        _buffer = new ArrayBufferWriter<byte>(capacity);
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = Encoder });
        _writer.WriteStartObject();
        _writer.WriteString("label", label);
        _writer.WriteString("ml_type", summary.MlType);
        _writer.WriteString("predict_feature", summary.PredictFeature);
        _writer.WriteStartArray("predict_rows");
    }

    public int Rows { get; private set; }

    /// <summary>Request bytes written so far.</summary>
    public long Bytes => _writer.BytesCommitted + _writer.BytesPending;

    public void BeginRow() => _writer.WriteStartObject();

    /// <summary>The value of input feature <paramref name="feature"/> (its index in the summary's InputFeatures).</summary>
    public void Number(int feature, double value) => _writer.WriteNumber(_names[feature], value);

    public void Number(int feature, float value) => _writer.WriteNumber(_names[feature], value);

    public void Text(int feature, string value) => _writer.WriteString(_names[feature], value);

    public void EndRow()
    {
        _writer.WriteEndObject();
        Rows++;
    }

    /// <summary>The request text; max_records asks a sample for every row.</summary>
    public string Finish()
    {
        _writer.WriteEndArray();
        _writer.WriteNumber("max_records", Math.Max(1, Rows));
        _writer.WriteEndObject();
        _writer.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    public void Dispose() => _writer.Dispose();
}
