using System.Globalization;
using AntiNex.Requests;

namespace AntiNex.Data;

/// <summary>
/// Column-oriented table of just the columns a request needs: numeric columns parsed once into compact
/// <see cref="NumericColumn"/>s (exact values), text columns (categorical features, class targets) kept as strings.
/// RowIds are the source row numbers.
/// </summary>
public sealed class Frame
{
    public int RowCount { get; }
    public IReadOnlyList<string> SourceColumns { get; }
    public IReadOnlyDictionary<string, NumericColumn> Numeric { get; }
    public IReadOnlyDictionary<string, string[]> Text { get; }
    public int[] RowIds { get; }
    /// <summary>The training file's numeric features as one row-major array (their columns in <see cref="Numeric"/> read it);
    /// null for other frames.</summary>
    public RowMajorColumns? RowMajor { get; init; }
    /// <summary>Per numeric column, the NaN/Infinity cells read as empty (<see cref="CellRules.NonFiniteAsEmpty"/>); empty when none.</summary>
    public IReadOnlyDictionary<string, long> NonFiniteRead { get; init; } = new Dictionary<string, long>();
    /// <summary>The file was not UTF-8 and was read as Windows-1252 (<see cref="FileEncoding"/>): the offset of its first byte
    /// that is not UTF-8. Null for UTF-8 files and for frames not read from a file.</summary>
    public long? ReadAsWindows1252At { get; init; }
    /// <summary>Bytes that are not UTF-8 in a file read as UTF-8 all the same (its byte order mark and its other characters
    /// say UTF-8, <see cref="FileEncoding"/>); null when none.</summary>
    public StrayBytes? StrayBytes { get; init; }
    /// <summary>CSV rows with fewer fields than the header, read with their missing cells empty; null when none.</summary>
    public ShortRows? ShortRows { get; init; }
    /// <summary>predict_rows rows that lack a key the request reads, read as empty cells; null when none.</summary>
    public MissingKeys? MissingKeys { get; init; }

    /// <summary>What the caller is told of rows read with cells they did not have (<see cref="ShortRows"/>,
    /// <see cref="MissingKeys"/>): a warning each.</summary>
    public IEnumerable<string> IncompleteRowWarnings()
    {
        if (ShortRows is { } s) yield return s.Warning;
        if (MissingKeys is { } m) yield return m.Warning;
    }

    /// <summary>The file was read as Windows-1252 (<see cref="ReadAsWindows1252At"/>), or as UTF-8 with bytes that are not
    /// (<see cref="StrayBytes"/>): said, so that an odd character in a class name has its reason. Null otherwise.</summary>
    public string? EncodingWarning(string field, string? path) => EncodingWarning(field, path, ReadAsWindows1252At, StrayBytes);

    /// <summary>The encoding warning of a file read elsewhere than into a frame (the console's streamed rows), in the same words.</summary>
    public static string? EncodingWarning(string field, string? path, long? readAsWindows1252At, StrayBytes? stray) =>
        readAsWindows1252At is { } offset
            ? $"{field}: {Path.GetFileName(path)} is not UTF-8 (byte {offset:N0} is not); it was read as Windows-1252"
            : stray?.Warning(field, path);

    /// <summary>The NaN/Infinity cells read as empty (<see cref="NonFiniteRead"/>), counted per column, most first; null when none.</summary>
    public string? NonFiniteWarning(string field, double markEmpty) => NonFiniteWarning(field, markEmpty, NonFiniteRead);

    /// <summary>The NaN/Infinity cells of rows read elsewhere than into a frame (the console's streamed and packed rows),
    /// counted per column, in the same words; null when none.</summary>
    public static string? NonFiniteWarning(string field, double markEmpty, IReadOnlyDictionary<string, long> nonFiniteRead)
    {
        if (nonFiniteRead.Count == 0) return null;
        var columns = nonFiniteRead.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        return $"{field}: {columns.Sum(kv => kv.Value):N0} NaN/Infinity cells read as empty " +
            $"({markEmpty.ToString("R", CultureInfo.InvariantCulture)}, non_finite \"empty\"): " +
            string.Join(", ", columns.Take(10).Select(kv => $"'{kv.Key}' {kv.Value:N0}")) +
            (columns.Count > 10 ? $", ... ({columns.Count} columns)" : "");
    }

    /// <summary>Everything said of a file read for a predict, as a training says it of its own: the encoding, rows
    /// short of the header, NaN/Infinity cells read as empty.</summary>
    public IEnumerable<string> FileWarnings(string field, string path, double markEmpty)
    {
        if (EncodingWarning(field, path) is { } encoding) yield return encoding;
        foreach (var incomplete in IncompleteRowWarnings()) yield return incomplete;
        if (NonFiniteWarning(field, markEmpty) is { } nonFinite) yield return nonFinite;
    }

    public Frame(int rowCount, IReadOnlyList<string> sourceColumns, IReadOnlyDictionary<string, NumericColumn> numeric,
        IReadOnlyDictionary<string, string[]> text, int[] rowIds)
    {
        RowCount = rowCount; SourceColumns = sourceColumns; Numeric = numeric; Text = text; RowIds = rowIds;
    }

    public Frame(int rowCount, IReadOnlyList<string> sourceColumns, IReadOnlyDictionary<string, double[]> numeric,
        IReadOnlyDictionary<string, string[]> text, int[] rowIds)
        : this(rowCount, sourceColumns, numeric.ToDictionary(kv => kv.Key, kv => NumericColumn.From(kv.Value)), text, rowIds) { }

    /// <summary>Frees the numeric values of one chunk of rows (<see cref="NumericColumn.ChunkRows"/> rows) in every column:
    /// a large training file's raw values go as its feature matrix fills.</summary>
    public void ReleaseNumericChunk(int chunk)
    {
        foreach (var column in Numeric.Values) column.ReleaseChunk(chunk);
    }

    /// <summary>Bytes held by the numeric values.</summary>
    public long NumericBytes => Numeric.Values.Sum(c => c.Bytes);

    public bool Has(string column) => Numeric.ContainsKey(column) || Text.ContainsKey(column);

    /// <summary>Cell as text (numeric cells formatted invariantly).</summary>
    public string TextAt(string column, int row)
        => Text.TryGetValue(column, out var t) ? t[row] : Numeric[column][row].ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Stable ascending sort by the given columns, as pandas sort_values. A numeric column sorts by its values. A text column
    /// sorts as numbers when every non-empty cell of it is one (empty cells first), else as ordinal text: decided once per
    /// column, so the order is total and does not depend on the rows' starting order. The frame itself when already in order.
    /// </summary>
    public Frame SortBy(IReadOnlyList<string> columns)
    {
        if (columns.Count == 0 || RowCount < 2) return this;
        var order = Enumerable.Range(0, RowCount).ToArray();
        var packed = new long[RowCount];
        // Last column first: each pass is a stable sort by one column's ranks (ties keep the order of the pass before), so
        // the pass by the first column leaves the rows in the order of all of them. A pass sorts (rank, position) as one
        // primitive long: no comparison delegate, no string compared twice.
        for (int k = columns.Count - 1; k >= 0; k--)
        {
            var rank = Ranks(columns[k]);
            for (int i = 0; i < order.Length; i++) packed[i] = ((long)rank[order[i]] << 32) | (uint)i;
            Array.Sort(packed);
            var next = new int[order.Length];
            for (int i = 0; i < next.Length; i++) next[i] = order[(int)packed[i]]; // the low half: the position
            order = next;
        }
        for (int i = 0; i < order.Length; i++)
            if (order[i] != i) return Take(order);
        return this; // already in order: nothing to copy
    }

    /// <summary>Per row, the rank of its cell in the column's order (equal cells share one; 0 for a text column's empty cells).</summary>
    private int[] Ranks(string column)
    {
        if (Numeric.TryGetValue(column, out var numeric)) return NumberRanks(numeric.ToArray(), null);
        var cells = Text[column];
        var numbers = new double[cells.Length];
        bool[]? empty = null;
        for (int i = 0; i < cells.Length; i++)
        {
            if (cells[i].Length == 0) (empty ??= new bool[cells.Length])[i] = true;
            else if (!double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i])) return TextRanks(cells);
        }
        return NumberRanks(numbers, empty);
    }

    private static int[] NumberRanks(double[] values, bool[]? empty)
    {
        var rows = Enumerable.Range(0, values.Length).ToArray();
        Array.Sort(values, rows); // NaN first, as double.CompareTo orders it
        var rank = new int[values.Length];
        int r = 0;
        double last = 0;
        for (int j = 0; j < rows.Length; j++)
        {
            if (empty?[rows[j]] == true) continue; // rank 0: before every number
            if (r == 0 || values[j].CompareTo(last) != 0) (r, last) = (r + 1, values[j]);
            rank[rows[j]] = r;
        }
        return rank;
    }

    private static int[] TextRanks(string[] cells)
    {
        // The distinct values sorted once (a class or protocol column holds a handful), then each cell's rank looked up.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var distinct = new List<string>();
        var id = new int[cells.Length];
        for (int i = 0; i < cells.Length; i++)
        {
            if (!ids.TryGetValue(cells[i], out var v))
            {
                ids.Add(cells[i], v = distinct.Count);
                distinct.Add(cells[i]);
            }
            id[i] = v;
        }
        var sorted = distinct.ToArray();
        var sortedIds = Enumerable.Range(0, sorted.Length).ToArray();
        Array.Sort(sorted, sortedIds, StringComparer.Ordinal);
        var rankOfId = new int[sorted.Length];
        for (int j = 0; j < sortedIds.Length; j++) rankOfId[sortedIds[j]] = j;
        var rank = new int[cells.Length];
        for (int i = 0; i < cells.Length; i++) rank[i] = rankOfId[id[i]];
        return rank;
    }

    /// <summary>The rows at the given positions, in that order. What was noted of the file read (<see cref="NonFiniteRead"/>,
    /// <see cref="ReadAsWindows1252At"/>, <see cref="StrayBytes"/>, <see cref="ShortRows"/>, <see cref="MissingKeys"/>) stays, and
    /// row-major features stay row-major (<see cref="RowMajor"/>).</summary>
    public Frame Take(IReadOnlyList<int> rows)
    {
        var rowMajor = RowMajor?.Take(rows);
        var numeric = Numeric.ToDictionary(kv => kv.Key, kv =>
        {
            int c = rowMajor is null ? -1 : kv.Value.RowMajorColumn(RowMajor!);
            if (c >= 0) return rowMajor!.Column(c);
            var column = new NumericColumn();
            foreach (var r in rows) column.Add(kv.Value[r]);
            return column;
        });
        var text = Text.ToDictionary(kv => kv.Key, kv => rows.Select(r => kv.Value[r]).ToArray());
        return new Frame(rows.Count, SourceColumns, numeric, text, rows.Select(r => RowIds[r]).ToArray())
        {
            RowMajor = rowMajor, NonFiniteRead = NonFiniteRead, ReadAsWindows1252At = ReadAsWindows1252At, StrayBytes = StrayBytes,
            ShortRows = ShortRows, MissingKeys = MissingKeys,
        };
    }

    /// <summary>Builds a frame from predict_rows cells (numbers, numeric strings, or null = mark_empty). A row without a
    /// column's key reads that cell as empty too, noted in <see cref="MissingKeys"/> for a column the plan requires (a
    /// predict's target is optional: a row without it is only left out of the accuracy).</summary>
    public static Frame FromPredictRows(PredictRows rows, IReadOnlyList<ColumnPlan> plan, CellRules cells, string field = "predict_rows")
    {
        var nonFinite = new Dictionary<string, long>(StringComparer.Ordinal);
        var issues = new List<RequestIssue>();
        var columns = rows.Columns.ToHashSet(StringComparer.Ordinal); // wide rows: no list scan per planned column
        foreach (var p in plan.Where(p => p.Required && !columns.Contains(p.Name)))
            issues.Add(new RequestIssue(p.Field, $"{field} lack the column '{p.Name}' (columns: {string.Join(", ", rows.Columns.Take(50))})"));
        if (issues.Count > 0)
        {
            // A key the rows have in a column's place (a typo, another spelling) is named: a long column list hides it.
            var planned = plan.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var unknown = rows.Columns.Where(c => !planned.Contains(c)).ToList();
            if (unknown.Count > 0)
            {
                var keys = string.Join(", ", unknown.Take(10).Select(c => $"'{c}'")) + (unknown.Count > 10 ? $", ... ({unknown.Count} in all)" : "");
                issues[^1] = issues[^1] with { Message = $"{issues[^1].Message}; the rows' keys that are not read: {keys}" };
            }
            throw new RequestException(issues);
        }
        var present = plan.Where(p => columns.Contains(p.Name)).ToList();
        int n = rows.Rows.Count;
        var numeric = new Dictionary<string, double[]>();
        var text = new Dictionary<string, string[]>();
        var gaps = new RowGaps(n);
        foreach (var p in present)
        {
            if (p.Kind == ColumnKind.Numeric)
            {
                var col = new double[n];
                var rules = cells.For(p);
                for (int i = 0; i < n; i++)
                {
                    if (!rows.Rows[i].TryGetValue(p.Name, out var cell) && p.Required) gaps.Add(i, p.Name);
                    col[i] = cell switch
                    {
                        // A bad cell is the rows' fault, named under their field (the row and column are in the message).
                        null => rules.Empty(p.Name, i, field, field),
                        double d when double.IsFinite(d) => d, // the text below is only for a non-finite value's message
                        double d => CsvLoader.ReadNumber(d, d.ToString(CultureInfo.InvariantCulture), rules, p.Name, i, field, field, nonFinite),
                        string s => CsvLoader.ParseNumber(s, rules, p.Name, i, field, field, nonFinite),
                        _ => throw new RequestException(field, $"row {i} column '{p.Name}': unsupported value"),
                    };
                }
                numeric[p.Name] = col;
            }
            else
            {
                var col = new string[n];
                for (int i = 0; i < n; i++)
                {
                    if (!rows.Rows[i].TryGetValue(p.Name, out var cell) && p.Required) gaps.Add(i, p.Name);
                    col[i] = cell switch
                    {
                        null => "",
                        double d => d.ToString("R", CultureInfo.InvariantCulture),
                        string s => s.Trim(), // as a CSV cell is read: " tcp" is the category tcp
                        _ => "",
                    };
                }
                text[p.Name] = col;
            }
        }
        return new Frame(n, rows.Columns, numeric, text, Enumerable.Range(0, n).ToArray())
        {
            NonFiniteRead = nonFinite, MissingKeys = gaps.Of(field),
        };
    }

    /// <summary>The rows and keys found missing while the columns are read one after the other.</summary>
    private sealed class RowGaps(int rows)
    {
        private bool[]? _missing; // per row; allocated at the first gap, so complete rows cost nothing
        private int _count;
        private readonly List<string> _keys = [];

        public void Add(int row, string key)
        {
            _missing ??= new bool[rows];
            if (!_missing[row]) (_missing[row], _count) = (true, _count + 1);
            if (_keys.Count == 0 || _keys[^1] != key) _keys.Add(key); // columns are read one at a time: a key's rows come together
        }

        public MissingKeys? Of(string field) => _missing is null ? null : new MissingKeys(field, _count, Array.IndexOf(_missing, true), _keys);
    }
}
