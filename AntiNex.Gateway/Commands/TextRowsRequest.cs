// A block of CSV rows for a model with categorical features, written as an AntiNex predict request whose predict_rows
// hold those features' cells as text. The model's own pipeline encodes them (its vocabulary, and the "other" input for a
// value it never saw), exactly as for any predict_rows request: the gateway never encodes categories itself.
using System.Buffers;
using System.Text;
using System.Text.Json;
using AntiNex.Learning;

namespace AntiNex.Gateway.Commands;

internal sealed class TextRowsRequest : IDisposable
{
    /// <summary>Rows a node answers one sample each for in one reply (its MaxSamplesPerReply).</summary>
    public const int MaxRows = 10_000;

    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    private readonly Utf8JsonWriter _writer;
    private readonly JsonEncodedText[] _names;
    private readonly bool[] _isText;
    private readonly long _maxBytes;

    /// <param name="maxBytes">request text a block stops growing at (it must fit one cluster message).</param>
    public TextRowsRequest(string label, ModelSummary summary, long maxBytes)
    {
        _names = summary.InputFeatures.Select(f => JsonEncodedText.Encode(f)).ToArray();
        _isText = summary.InputFeatures.Select(f => summary.CategoricalFeatures?.Contains(f) == true).ToArray();
        _maxBytes = maxBytes;
        _writer = new Utf8JsonWriter(_buffer);
        _writer.WriteStartObject();
        _writer.WriteString("label", label);
        _writer.WriteString("ml_type", summary.MlType);
        _writer.WriteString("predict_feature", summary.PredictFeature);
        _writer.WriteStartArray("predict_rows");
    }

    public int Rows { get; private set; }
    public bool Full => Rows >= MaxRows || _writer.BytesCommitted + _writer.BytesPending >= _maxBytes;

    /// <summary>One row as <see cref="CsvRowReader.ReadRow"/> read it.</summary>
    public void Add(double[] numbers, string[] texts)
    {
        _writer.WriteStartObject();
        for (int j = 0; j < _names.Length; j++)
        {
            if (_isText[j]) _writer.WriteString(_names[j], texts[j]);
            else _writer.WriteNumber(_names[j], numbers[j]);
        }
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
