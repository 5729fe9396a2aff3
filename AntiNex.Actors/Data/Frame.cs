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

    /// <summary>Stable ascending sort by the given columns (numbers compared as numbers), as pandas sort_values.</summary>
    public Frame SortBy(IReadOnlyList<string> columns)
    {
        if (columns.Count == 0) return this;
        var order = Enumerable.Range(0, RowCount).ToArray();
        Comparison<int> cmp = (a, b) =>
        {
            foreach (var c in columns)
            {
                int r = Numeric.TryGetValue(c, out var n) ? n[a].CompareTo(n[b]) : CompareText(Text[c][a], Text[c][b]);
                if (r != 0) return r;
            }
            return a.CompareTo(b); // stability
        };
        Array.Sort(order, cmp);
        return Take(order);
    }

    private static int CompareText(string a, string b)
    {
        var na = double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x);
        var nb = double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y);
        if (na && nb) return x.CompareTo(y);
        return string.CompareOrdinal(a, b);
    }

    /// <summary>The rows at the given positions, in that order.</summary>
    public Frame Take(IReadOnlyList<int> rows)
    {
        var numeric = Numeric.ToDictionary(kv => kv.Key, kv =>
        {
            var column = new NumericColumn();
            foreach (var r in rows) column.Add(kv.Value[r]);
            return column;
        });
        var text = Text.ToDictionary(kv => kv.Key, kv => rows.Select(r => kv.Value[r]).ToArray());
        return new Frame(rows.Count, SourceColumns, numeric, text, rows.Select(r => RowIds[r]).ToArray());
    }

    /// <summary>Builds a frame from predict_rows cells (numbers, numeric strings, or null = mark_empty).</summary>
    public static Frame FromPredictRows(PredictRows rows, IReadOnlyList<ColumnPlan> plan, CellRules cells, string field = "predict_rows")
    {
        var nonFinite = new Dictionary<string, long>(StringComparer.Ordinal);
        var issues = new List<RequestIssue>();
        var columns = rows.Columns.ToHashSet(StringComparer.Ordinal); // wide rows: no list scan per planned column
        foreach (var p in plan.Where(p => p.Required && !columns.Contains(p.Name)))
            issues.Add(new RequestIssue(p.Field, $"{field} lack the column '{p.Name}' (columns: {string.Join(", ", rows.Columns.Take(50))})"));
        if (issues.Count > 0) throw new RequestException(issues);
        var present = plan.Where(p => columns.Contains(p.Name)).ToList();
        int n = rows.Rows.Count;
        var numeric = new Dictionary<string, double[]>();
        var text = new Dictionary<string, string[]>();
        foreach (var p in present)
        {
            if (p.Kind == ColumnKind.Numeric)
            {
                var col = new double[n];
                var rules = cells.For(p);
                for (int i = 0; i < n; i++)
                {
                    rows.Rows[i].TryGetValue(p.Name, out var cell);
                    col[i] = cell switch
                    {
                        null => rules.Empty(p.Name, i, p.Field, field),
                        double d => CsvLoader.ReadNumber(d, d.ToString(CultureInfo.InvariantCulture), rules, p.Name, i, p.Field, field, nonFinite),
                        string s => CsvLoader.ParseNumber(s, rules, p.Name, i, p.Field, field, nonFinite),
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
                    rows.Rows[i].TryGetValue(p.Name, out var cell);
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
        return new Frame(n, rows.Columns, numeric, text, Enumerable.Range(0, n).ToArray()) { NonFiniteRead = nonFinite };
    }
}
