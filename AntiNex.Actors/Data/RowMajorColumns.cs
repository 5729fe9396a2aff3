namespace AntiNex.Data;

/// <summary>
/// A file's numeric feature columns held row by row in one float32 array [rows x width], the layout the network reads, so
/// a training's feature matrix can be written over its own raw values instead of being a second copy of the file. A value
/// that is not exactly a float goes to a double chunk of its column (<see cref="NumericColumn.ChunkRows"/> rows) instead:
/// reads give the very double the file held. <see cref="Column"/> gives each column as a <see cref="NumericColumn"/>.
/// </summary>
public sealed class RowMajorColumns
{
    private const int Mask = NumericColumn.ChunkRows - 1;
    private readonly double[]?[][] _wide; // [column][chunk]
    private float[] _values;

    /// <param name="capacityRows">rows the array is sized for (an upper bound: extra rows are trimmed by <see cref="Complete"/>).</param>
    public RowMajorColumns(IReadOnlyList<string> names, int capacityRows)
    {
        Names = names;
        Width = names.Count;
        CapacityRows = Math.Max(1, capacityRows);
        _values = new float[(long)CapacityRows * Width];
        int chunks = (CapacityRows >> NumericColumn.ChunkBits) + 1;
        _wide = names.Select(_ => new double[]?[chunks]).ToArray();
    }

    public IReadOnlyList<string> Names { get; }
    public int Width { get; }
    public int Rows { get; private set; }
    public int CapacityRows { get; private set; }
    /// <summary>The values, row-major; after <see cref="Overwrite"/> they are the feature matrix, no longer the raw values.</summary>
    public float[] Values => _values;
    public bool Overwritten { get; private set; }

    /// <summary>Stores one cell of row <see cref="Rows"/> (the row being read); float storage when exact, else the chunk's doubles.</summary>
    public void Set(int column, double value)
    {
        if (Rows == CapacityRows) Grow();
        int row = Rows, chunk = row >> NumericColumn.ChunkBits;
        long at = (long)row * Width + column;
        var wide = _wide[column][chunk];
        if (wide is null)
        {
            float f = (float)value;
            if (f == value) // exact (the sign of a zero survives the cast)
            {
                _values[at] = f;
                return;
            }
            wide = new double[NumericColumn.ChunkRows];
            int first = chunk << NumericColumn.ChunkBits;
            for (int r = first; r < row; r++) wide[r - first] = _values[(long)r * Width + column];
            _wide[column][chunk] = wide;
        }
        wide[row & Mask] = value;
    }

    /// <summary>Ends the row being read (every column set).</summary>
    public void EndRow() => Rows++;

    // More rows than counted: the file grew while it was read.
    private void Grow()
    {
        long rows = Math.Min((long)CapacityRows * 5 / 4 + 1, Array.MaxLength / Width);
        if (rows <= CapacityRows) throw new InvalidOperationException($"more than {CapacityRows:N0} rows x {Width} columns do not fit one array");
        CapacityRows = (int)rows;
        Array.Resize(ref _values, CapacityRows * Width);
        int chunks = (CapacityRows >> NumericColumn.ChunkBits) + 1;
        for (int c = 0; c < Width; c++)
            if (_wide[c].Length < chunks) Array.Resize(ref _wide[c], chunks);
    }

    /// <summary>Trims the array to the rows read (a copy, only when blank lines or quoted line breaks made the count high).</summary>
    public void Complete()
    {
        if ((long)Rows * Width != _values.LongLength) Array.Resize(ref _values, Rows * Width);
        CapacityRows = Math.Max(1, Rows);
    }

    public double this[int row, int column]
    {
        get
        {
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
            if (Overwritten) throw NumericColumn.Released();
            return Raw(row, column);
        }
    }

    private double Raw(int row, int column)
        => _wide[column][row >> NumericColumn.ChunkBits] is { } wide ? wide[row & Mask] : _values[(long)row * Width + column];

    public NumericColumn Column(int column) => NumericColumn.Over(this, column);

    /// <summary>A new array of the given rows, in that order (a sort's reordering): every value as exact as here.</summary>
    public RowMajorColumns Take(IReadOnlyList<int> rows)
    {
        if (Overwritten) throw NumericColumn.Released();
        var taken = new RowMajorColumns(Names, rows.Count);
        foreach (var row in rows)
        {
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(rows));
            for (int c = 0; c < Width; c++) taken.Set(c, Raw(row, c));
            taken.EndRow();
        }
        taken.Complete();
        return taken;
    }

    /// <summary>Bytes one column costs: its float share of the array plus its double chunks.</summary>
    public long ColumnBytes(int column) => (long)Rows * sizeof(float) + _wide[column].Sum(w => (w?.LongLength ?? 0) * sizeof(double));

    /// <summary>Frees one chunk of rows of a column's doubles (its float share is the array, overwritten in place).</summary>
    public void ReleaseChunk(int column, int chunk)
    {
        if (chunk < _wide[column].Length) _wide[column][chunk] = null;
    }

    /// <summary>
    /// Replaces every value by <paramref name="transform"/>(column, raw value, destination) chunk by chunk, freeing each chunk's
    /// doubles once done: the array becomes the feature matrix, and the raw values can no longer be read. The transform
    /// returns true for a value beyond the clip bound; such rows are flagged in <paramref name="beyond"/>.
    /// </summary>
    public void Overwrite(Func<int, double, Span<float>, bool> transform, bool[] beyond, CancellationToken ct)
    {
        Overwritten = true;
        for (int chunk = 0, start = 0; start < Rows; chunk++, start += NumericColumn.ChunkRows)
        {
            ct.ThrowIfCancellationRequested();
            int end = Math.Min(Rows, start + NumericColumn.ChunkRows);
            for (int row = start; row < end; row++)
            {
                var cells = _values.AsSpan(row * Width, Width);
                bool far = false;
                for (int c = 0; c < Width; c++) far |= transform(c, Raw(row, c), cells.Slice(c, 1));
                if (far) beyond[row] = true;
            }
            for (int c = 0; c < Width; c++) ReleaseChunk(c, chunk);
        }
    }
}
