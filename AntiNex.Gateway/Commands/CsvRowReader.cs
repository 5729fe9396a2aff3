// Reads a CSV file a block of rows at a time into a float32 row block in the model's feature order: constant memory
// whatever the file's size. Quoted cells are understood; empty cells take mark_empty; NaN and Infinity follow the
// CellRules; text in a feature column is an error naming the line and the column. A header that is not UTF-8 reads as
// Windows-1252, as the training loader reads it, so a feature named in that code page matches its model.
using System.Text;
using AntiNex.Data;

namespace AntiNex.Gateway.Commands;

internal sealed class CsvRowReader : IDisposable
{
    private readonly StreamReader _reader;
    private readonly int[] _columnOf; // per model feature: its column in the file
    private readonly string[] _features;
    private readonly CellRules _rules;
    private readonly List<(int Start, int Length)> _cells = [];
    private long _line = 1;

    public CsvRowReader(string path, IReadOnlyList<string> features, CellRules? cells = null)
    {
        _reader = new StreamReader(path, FileEncoding.OfHeader(path) ?? Encoding.UTF8, true, 1 << 16);
        _features = [.. features];
        _rules = cells ?? CellRules.Default;
        var header = _reader.ReadLine() ?? throw new UsageException($"'{path}' is empty (a header line naming the features is needed)");
        var names = Split(header).Select(c => Cell(header, c).Trim().Trim('"').ToString()).ToList();
        _columnOf = _features.Select(f => names.IndexOf(f)).ToArray();
        var missing = _features.Where((f, j) => _columnOf[j] < 0).ToList();
        if (missing.Count > 0 && CsvLoader.OtherSeparator(names) is { } other)
            throw new UsageException($"'{path}' looks {other}-separated (its header is one column); rows are read comma-separated");
        if (missing.Count > 0)
            throw new UsageException($"'{path}' lacks column(s) {string.Join(", ", missing)} that the model takes " +
                                     $"({string.Join(", ", _features)})");
        Length = _reader.BaseStream.Length;
    }

    /// <summary>File size in bytes, and bytes read so far (for progress).</summary>
    public long Length { get; }
    public long Position => _reader.BaseStream.Position;
    public long RowsRead { get; private set; }

    /// <summary>Fills <paramref name="block"/> with up to its capacity in rows; returns the rows read (0 at the end).</summary>
    public int Read(float[] block)
    {
        int width = _features.Length, capacity = block.Length / width, rows = 0;
        while (rows < capacity && _reader.ReadLine() is { } line)
        {
            _line++;
            if (line.Length == 0) continue;
            var cells = Split(line);
            for (int j = 0; j < width; j++)
            {
                var c = _columnOf[j];
                if (c >= cells.Count)
                    throw new UsageException($"line {_line}: has {cells.Count} cells, no value for '{_features[j]}'");
                block[rows * width + j] = Number(Cell(line, cells[c]), j);
            }
            rows++;
        }
        RowsRead += rows;
        return rows;
    }

    private float Number(ReadOnlySpan<char> text, int feature)
    {
        text = text.Trim();
        if (text.Length >= 2 && text[0] == '"') text = text[1..^1];
        if (text.IsEmpty) return (float)_rules.MarkEmpty;
        if (CellRules.TryParse(text, out var v) && _rules.Admit(v) is { } read) return (float)read;
        throw new UsageException($"line {_line} column '{_features[feature]}': '{text.ToString()}' is not a finite number" +
                                 (CellRules.TryParse(text, out _) ? " (--non-finite empty reads NaN and Infinity as empty cells)" : ""));
    }

    private static ReadOnlySpan<char> Cell(string line, (int Start, int Length) cell) => line.AsSpan(cell.Start, cell.Length);

    /// <summary>Cell boundaries of one line (commas inside double quotes do not split; a cell keeps its quotes).</summary>
    private List<(int Start, int Length)> Split(string line)
    {
        _cells.Clear();
        int start = 0;
        var quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '"') quoted = !quoted;
            else if (line[i] == ',' && !quoted)
            {
                _cells.Add((start, i - start));
                start = i + 1;
            }
        }
        _cells.Add((start, line.Length - start));
        return _cells;
    }

    public void Dispose() => _reader.Dispose();
}
