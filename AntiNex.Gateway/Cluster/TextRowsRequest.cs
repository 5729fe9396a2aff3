// A block of rows for a model with categorical features (from a streamed CSV or a large predict_rows request), written as
// an AntiNex predict request whose predict_rows hold those features' cells as text. The model's own pipeline encodes them
// (its vocabulary, and the "other" input for a value it never saw), exactly as for any predict_rows request: the gateway
// never encodes categories itself.
using AntiNex.Learning;

namespace AntiNex.Gateway.Cluster;

internal sealed class TextRowsRequest : IDisposable
{
    /// <summary>Rows a node answers one sample each for in one reply (its MaxSamplesPerReply).</summary>
    public const int MaxRows = 10_000;

    /// <summary>Request text of one block at most (about what the HTTP API sends at once).</summary>
    private const long MaxBlockBytes = 1_000_000;

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

    /// <summary>The request text a block stops growing at: well inside one cluster message.</summary>
    public static long BlockBytes(FrameBudget frame) => Math.Min(MaxBlockBytes, frame.PayloadBytes / 2);

    public int Rows => _rows.Rows;
    public bool Full => Rows >= MaxRows || _rows.Bytes >= _maxBytes;

    /// <summary>One row: a number per numeric input and a text per categorical input, in the summary's input order.</summary>
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

    /// <summary>Row <paramref name="row"/> of a packed predict_rows block: its float32 numbers (written as the shortest text
    /// of the float, not of its widened double) and its categorical cells' text.</summary>
    public void Add(PackedRows packed, int row)
    {
        _rows.BeginRow();
        var offset = (long)row * packed.Columns;
        for (int j = 0; j < _isText.Length; j++)
        {
            if (_isText[j]) _rows.Text(j, packed.Texts![j]![row]);
            else _rows.Number(j, packed.Values[offset + j]);
        }
        _rows.EndRow();
    }

    /// <summary>The request text; max_records asks a sample for every row.</summary>
    public string Finish() => _rows.Finish();

    public void Dispose() => _rows.Dispose();
}
