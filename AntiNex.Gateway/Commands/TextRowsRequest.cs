// A block of CSV rows for a model with categorical features, written as an AntiNex predict request whose predict_rows
// hold those features' cells as text. The model's own pipeline encodes them (its vocabulary, and the "other" input for a
// value it never saw), exactly as for any predict_rows request: the gateway never encodes categories itself.
using AntiNex.Gateway.Cluster;
using AntiNex.Learning;

namespace AntiNex.Gateway.Commands;

internal sealed class TextRowsRequest : IDisposable
{
    /// <summary>Rows a node answers one sample each for in one reply (its MaxSamplesPerReply).</summary>
    public const int MaxRows = 10_000;

    private readonly PredictRowsWriter _rows;
    private readonly bool[] _isText;
    private readonly long _maxBytes;

    /// <param name="maxBytes">request text a block stops growing at (it must fit one cluster message).</param>
    public TextRowsRequest(string label, ModelSummary summary, long maxBytes)
    {
        _rows = new PredictRowsWriter(label, summary);
        _isText = summary.InputFeatures.Select(f => summary.CategoricalFeatures?.Contains(f) == true).ToArray();
        _maxBytes = maxBytes;
    }

    public int Rows => _rows.Rows;
    public bool Full => Rows >= MaxRows || _rows.Bytes >= _maxBytes;

    /// <summary>One row as <see cref="CsvRowReader.ReadRow"/> read it.</summary>
    public void Add(double[] numbers, string[] texts)
    {
        _rows.BeginRow();
        for (int j = 0; j < _isText.Length; j++)
        {
            if (_isText[j]) _rows.Text(j, texts[j]);
            else _rows.Number(j, numbers[j]);
        }
        _rows.EndRow();
    }

    /// <summary>The request text; max_records asks a sample for every row.</summary>
    public string Finish() => _rows.Finish();

    public void Dispose() => _rows.Dispose();
}
