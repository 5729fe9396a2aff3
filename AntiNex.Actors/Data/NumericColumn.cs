using System.Collections;

namespace AntiNex.Data;

/// <summary>
/// A numeric column, stored compactly and losslessly: in chunks of <see cref="ChunkRows"/> rows, a chunk holds float32 while
/// every value in it is exactly a float (counters, flags, ports: most traffic columns) and double otherwise. Reads give the
/// very double the file held, so a model trained from it is the one a double[] column gives. Chunks can be released once
/// their rows are in the feature matrix, so a large file is never held twice.
/// </summary>
public sealed class NumericColumn : IReadOnlyList<double>
{
    public const int ChunkBits = 16;
    public const int ChunkRows = 1 << ChunkBits;
    private const int Mask = ChunkRows - 1;

    private float[]?[] _narrow;
    private double[]?[] _wide;
    private int _count;
    // A column of a RowMajorColumns array (a training file's numeric features) instead of chunks of its own.
    private readonly RowMajorColumns? _rows;
    private readonly int _column;

    private NumericColumn(int capacityChunks)
    {
        _narrow = new float[]?[Math.Max(1, capacityChunks)];
        _wide = new double[]?[Math.Max(1, capacityChunks)];
    }

    public NumericColumn() : this(1) { }

    private NumericColumn(RowMajorColumns rows, int column)
    {
        _narrow = [];
        _wide = [];
        _rows = rows;
        _column = column;
    }

    /// <summary>One column of a row-major array, read in place (see <see cref="RowMajorColumns"/>).</summary>
    internal static NumericColumn Over(RowMajorColumns rows, int column) => new(rows, column);

    /// <summary>The column of <paramref name="rows"/> this column reads, or -1 when it does not read that array.</summary>
    internal int RowMajorColumn(RowMajorColumns rows) => ReferenceEquals(_rows, rows) ? _column : -1;

    public static NumericColumn From(IReadOnlyList<double> values)
    {
        var column = new NumericColumn((values.Count >> ChunkBits) + 1);
        for (int i = 0; i < values.Count; i++) column.Add(values[i]);
        return column;
    }

    public int Count => _rows?.Rows ?? _count;

    public double this[int index]
    {
        get
        {
            if (_rows is not null) return _rows[index, _column];
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
            int c = index >> ChunkBits;
            var narrow = _narrow[c];
            if (narrow is not null) return narrow[index & Mask];
            return (_wide[c] ?? throw Released())[index & Mask];
        }
    }

    /// <summary>Appends a value: float storage while it round-trips exactly, else the chunk widens to double once.</summary>
    public void Add(double value)
    {
        if (_rows is not null) throw new InvalidOperationException("a column of a row-major array is filled through that array");
        int c = _count >> ChunkBits, o = _count & Mask;
        if (c == _narrow.Length)
        {
            Array.Resize(ref _narrow, c * 2);
            Array.Resize(ref _wide, c * 2);
        }
        if (o == 0) _narrow[c] = new float[c == 0 ? FirstChunkRows : ChunkRows];
        else if (c == 0 && o == Capacity0) Grow0();
        var narrow = _narrow[c];
        if (narrow is not null)
        {
            float f = (float)value;
            if (f == value) // exact (the sign of a zero survives the cast)
            {
                narrow[o] = f;
                _count++;
                return;
            }
            var wide = new double[narrow.Length];
            for (int i = 0; i < o; i++) wide[i] = narrow[i];
            _wide[c] = wide;
            _narrow[c] = null;
        }
        _wide[c]![o] = value;
        _count++;
    }

    // The first chunk starts small and doubles up to ChunkRows: a predict of a few rows (a frame per request) must not
    // allocate a whole chunk per column.
    private const int FirstChunkRows = 16;

    private int Capacity0 => _narrow[0]?.Length ?? _wide[0]?.Length ?? ChunkRows;

    private void Grow0()
    {
        int size = Math.Min(ChunkRows, Capacity0 * 2);
        if (_narrow[0] is not null) Array.Resize(ref _narrow[0], size);
        if (_wide[0] is not null) Array.Resize(ref _wide[0], size);
    }

    /// <summary>Frees the storage of one chunk (rows chunk * ChunkRows onwards); reading a row there afterwards throws.</summary>
    public void ReleaseChunk(int chunk)
    {
        if (_rows is not null)
        {
            _rows.ReleaseChunk(_column, chunk);
            return;
        }
        if (chunk < _narrow.Length) { _narrow[chunk] = null; _wide[chunk] = null; }
    }

    /// <summary>Bytes held by the values (what the column costs in memory).</summary>
    public long Bytes
    {
        get
        {
            if (_rows is not null) return _rows.ColumnBytes(_column);
            long bytes = 0;
            for (int c = 0; c < _narrow.Length; c++) bytes += (_narrow[c]?.LongLength ?? 0) * 4 + (_wide[c]?.LongLength ?? 0) * 8;
            return bytes;
        }
    }

    public double[] ToArray()
    {
        var values = new double[Count];
        for (int i = 0; i < values.Length; i++) values[i] = this[i];
        return values;
    }

    public IEnumerator<double> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static InvalidOperationException Released()
        => new("these rows were released after the feature matrix was built; the raw values are no longer held");
}
