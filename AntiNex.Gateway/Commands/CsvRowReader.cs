// Reads a CSV file a block of rows at a time into a float32 row block in the model's feature order: constant memory
// whatever the file's size. Quoted cells are understood; empty cells take mark_empty; NaN and Infinity follow the
// CellRules; text in a numeric feature column is an error naming the line and the column. A model's categorical features
// are read as text instead (ReadRow), trimmed and unquoted as the training loader reads them, for the model to encode.
// A file that is not UTF-8 reads as Windows-1252, as the training loader reads it (one pass over its bytes first), so a
// feature or category named in that code page matches its model. A row wider than the header, or a quoted cell never
// closed, is refused as the training loader refuses it: read on, every cell after it would be shifted. A row short of the
// header reads its missing cells as empty, as a node reads such a row, and is counted for the same warning (ShortRows);
// the file's encoding and its NaN/Infinity cells read as empty are said in the node's words too (Warnings).
using System.Text;
using AntiNex.Data;

namespace AntiNex.Gateway.Commands;

internal sealed class CsvRowReader : IDisposable
{
    private readonly StreamReader _reader;
    private readonly int[] _columnOf; // per model feature: its column in the file
    private readonly string[] _features;
    private readonly CellRules _rules;
    private readonly bool[] _isText; // per model feature: read as text (a categorical feature)
    private readonly bool _textUnknown;
    private readonly List<(int Start, int Length)> _cells = [];
    private long _line = 1;
    private int _headerWidth;
    private readonly string _path;
    private readonly FileScan _scan;
    private readonly Dictionary<string, long> _nonFinite = new(StringComparer.Ordinal); // per feature: NaN/Infinity read as empty
    private long _row = -1; // the data row last read, 0-based as predictions number rows
    private long _shortRows;
    private (long Row, long Line, int Fields) _firstShort;

    /// <param name="textFeatures">the model's categorical features, read as text by <see cref="ReadRow"/>; null when the
    /// model's description does not say which they are (its errors for text cells then say so).</param>
    public CsvRowReader(string path, IReadOnlyList<string> features, CellRules? cells = null, IReadOnlyCollection<string>? textFeatures = null)
    {
        var scan = _scan = FileEncoding.Scan(path);
        // A mark is honoured only when the bytes agree with it: Windows-1252 text behind a UTF-8 mark reads as Windows-1252.
        _reader = new StreamReader(scan.Open(path), scan.Encoding ?? Encoding.UTF8, detectEncodingFromByteOrderMarks: scan.Encoding is null,
            1 << 16);
        _path = path;
        _features = [.. features];
        _rules = cells ?? CellRules.Default;
        _isText = _features.Select(f => textFeatures?.Contains(f) == true).ToArray();
        _textUnknown = textFeatures is null;
        var header = _reader.ReadLine() ?? throw new UsageException($"'{path}' is empty (a header line naming the features is needed)");
        var names = Split(header).Select(c => Cell(header, c).Trim().Trim('"').ToString()).ToList();
        _headerWidth = names.Count;
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

    /// <summary>The field a node names the file by in its warnings: the console's words are the node's for the same file.</summary>
    public const string Field = "dataset";

    /// <summary>The file was read as Windows-1252, or as UTF-8 with stray bytes, worded as a node words it; null otherwise.</summary>
    public string? EncodingWarning => Frame.EncodingWarning(Field, _path, _scan.Encoding is null ? null : _scan.BadByteOffset, _scan.Stray);

    /// <summary>What the rows read so far warrant, as a node says it of a dataset it predicts: rows short of the header
    /// (<see cref="ShortRows"/>), then NaN/Infinity cells read as empty. The encoding is <see cref="EncodingWarning"/>.</summary>
    public IEnumerable<string> RowWarnings()
    {
        if (ShortRows is { } s) yield return s.Warning;
        if (Frame.NonFiniteWarning(Field, _rules.MarkEmpty, _nonFinite) is { } nonFinite) yield return nonFinite;
    }

    /// <summary>The rows read so far that were short of the header's fields (their missing cells read as empty), worded
    /// as a node words them; null when none.</summary>
    public ShortRows? ShortRows => _shortRows == 0 ? null
        : new ShortRows($"{Field} {Path.GetFileName(_path)}", _shortRows, (int)Math.Min(_firstShort.Row, int.MaxValue), _firstShort.Line,
            _firstShort.Fields, _headerWidth);

    /// <summary>Fills <paramref name="block"/> with up to its capacity in rows; returns the rows read (0 at the end). Every
    /// feature is read as a number. A file with no row at all is a <see cref="UsageException"/>.</summary>
    public int Read(float[] block)
    {
        int width = _features.Length, capacity = block.Length / width, rows = 0;
        while (rows < capacity && NextLine() is { } line)
        {
            var cells = Cells(line);
            for (int j = 0; j < width; j++) block[rows * width + j] = Float32(Cell(line, CellOf(cells, j)), j);
            rows++;
        }
        RowsRead += rows;
        return rows;
    }

    /// <summary>Reads the next row: per model feature, its number in <paramref name="numbers"/>, or for a categorical feature
    /// its text in <paramref name="texts"/>. False at the end of the file.</summary>
    public bool ReadRow(double[] numbers, string[] texts)
    {
        if (NextLine() is not { } line) return false;
        var cells = Cells(line);
        for (int j = 0; j < _features.Length; j++)
        {
            var cell = Cell(line, CellOf(cells, j));
            if (_isText[j]) texts[j] = Text(cell);
            else numbers[j] = Number(cell, j);
        }
        RowsRead++;
        return true;
    }

    /// <summary>The next row's text (empty lines are skipped, as the training loader skips them); a quoted cell may hold line
    /// breaks, so a row whose quotes are still open goes on on the next line. <see cref="_line"/> is the row's first line.</summary>
    private string? NextLine()
    {
        _line += _continued;
        _continued = 0;
        while (_reader.ReadLine() is { } line)
        {
            _line++;
            if (line.Length == 0) continue;
            _row++;
            if (!QuoteOpen(line)) return line;
            // Quote parity kept as lines are added (no recount), and the row bounded: a quote never closed would otherwise
            // pull the rest of a file of any size into one string.
            var row = new StringBuilder(line);
            for (bool open = true; open;)
            {
                var more = _reader.ReadLine()
                    ?? throw new UsageException($"line {_line}: a quoted cell opens and is never closed (the rest of the file would be one cell)");
                if (row.Length + more.Length > MaxRowChars)
                    throw new UsageException($"line {_line}: a quoted cell opens and is not closed within {MaxRowChars >> 20} MiB");
                _continued++;
                row.Append('\n').Append(more);
                open ^= QuoteOpen(more);
            }
            return row.ToString();
        }
        // A header and no row is a mistake (a file cut short, the wrong file), as predict_rows holding no row is.
        if (_row < 0) throw new UsageException("the file has a header line but no rows to predict");
        return null;
    }

    /// <summary>Lines the row returned last took beyond its first (line breaks inside quoted cells).</summary>
    private long _continued;

    /// <summary>The longest row read, in characters: far beyond any row a block of rows could hold.</summary>
    private const int MaxRowChars = 16 << 20;

    /// <summary>An odd number of quotes: the line leaves a quoted cell open (or closes one left open).</summary>
    private static bool QuoteOpen(string line) => line.AsSpan().Count('"') % 2 == 1;

    /// <summary>A row's cells; a row wider than the header with text beyond it is refused (trailing empty cells are not); a
    /// shorter one is counted (<see cref="ShortRows"/>).</summary>
    private List<(int Start, int Length)> Cells(string line)
    {
        var cells = Split(line);
        if (cells.Count < _headerWidth && _shortRows++ == 0) _firstShort = (_row, _line, cells.Count);
        for (int c = _headerWidth; c < cells.Count; c++)
            if (!Cell(line, cells[c]).Trim().IsEmpty)
                throw new UsageException($"line {_line}: has {cells.Count} cells but its header names {_headerWidth}: a cell holding the " +
                                         "separator must be quoted");
        return cells;
    }

    private (int Start, int Length) CellOf(List<(int Start, int Length)> cells, int feature)
    {
        var c = _columnOf[feature];
        return c < cells.Count ? cells[c] : default; // a row short of the header: its missing cells are empty, as a node reads them
    }

    /// <summary>A text cell as the training loader reads it: trimmed, its quotes removed and doubled quotes made single.</summary>
    private static string Text(ReadOnlySpan<char> cell)
    {
        cell = cell.Trim();
        if (cell.Length >= 2 && cell[0] == '"' && cell[^1] == '"') return cell[1..^1].ToString().Replace("\"\"", "\"", StringComparison.Ordinal);
        return cell.ToString();
    }

    /// <summary>A cell as the float32 the block carries: a finite number beyond float32's range is refused here, naming the
    /// line and column, as a JSON request's rows are (the node would otherwise see an infinity and name neither).</summary>
    private float Float32(ReadOnlySpan<char> text, int feature)
    {
        var v = Number(text, feature);
        if (float.IsFinite((float)v) || !double.IsFinite(v)) return (float)v;
        throw new UsageException($"line {_line} column '{_features[feature]}': {text.Trim().ToString()} is beyond float32 " +
                                 "(rows beyond one cluster message travel as float32)");
    }

    private double Number(ReadOnlySpan<char> text, int feature)
    {
        text = text.Trim();
        if (text.Length >= 2 && text[0] == '"') text = text[1..^1];
        if (text.IsEmpty) return _rules.MarkEmpty;
        if (CellRules.TryParse(text, out var v) && _rules.Admit(v) is { } read)
        {
            if (!double.IsFinite(v)) _nonFinite[_features[feature]] = _nonFinite.GetValueOrDefault(_features[feature]) + 1;
            return read;
        }
        var hint = CellRules.TryParse(text, out _) ? " (--non-finite empty reads NaN and Infinity as empty cells)"
            : _textUnknown ? $" (the model's stored version does not say whether '{_features[feature]}' is categorical: if it is, " +
                             "run any predict of the label (its node then reads the list from the model) and stream again, retrain it, or send " +
                             "the rows as predict_rows with predict -f REQUEST.json)"
            : "";
        throw new UsageException($"line {_line} column '{_features[feature]}': '{text.ToString()}' is not a finite number{hint}");
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
