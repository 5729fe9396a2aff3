using System.Globalization;
using System.Text;
using AntiNex.Requests;
using CsvHelper;

namespace AntiNex.Data;

/// <summary>Streams a CSV (CsvHelper, invariant culture, UTF-8 BOM tolerated, Windows-1252 when not UTF-8: <see cref="FileEncoding"/>)
/// into a <see cref="Frame"/> of the planned columns: numbers straight into compact columns, repeated text cells shared (one
/// string per distinct value).</summary>
public static class CsvLoader
{
    /// <param name="cells">how empty and non-finite numeric cells are read; non-finite cells read as empty are counted per
    /// column in <see cref="Frame.NonFiniteRead"/>.</param>
    /// <param name="limits">columns and rows allowed (null: <see cref="EngineLimits.Current"/>); <paramref name="maxRows"/>
    /// lowers the row limit (a predict request's rows).</param>
    /// <param name="rowMajor">numeric columns of the plan to hold as one row-major float32 array, in this order (a training file's
    /// features: its feature matrix can then be written over them, see <see cref="RowMajorColumns"/>).</param>
    /// <param name="scan">the file's whole scan when <see cref="ReadHeader(string, bool, IReadOnlyList{string}?, out FileScan?,
    /// string, EngineLimits?)"/> made one: the file is not scanned again.</param>
    public static Frame Load(string path, IReadOnlyList<ColumnPlan> plan, bool hasHeader, IReadOnlyList<string>? columnNames,
        CellRules cells, string field = "dataset", CancellationToken cancellationToken = default, EngineLimits? limits = null,
        int? maxRows = null, IReadOnlyList<string>? rowMajor = null, FileScan? scan = null)
    {
        limits ??= EngineLimits.Current;
        int rowLimit = Math.Min(limits.MaxCsvRows, maxRows ?? int.MaxValue);
        Stream stream;
        try
        {
            if (scan is not { WholeFile: true }) scan = FileEncoding.Scan(path);
            stream = scan.Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RequestException(field, $"cannot read '{path}': {e.Message}");
        }
        long unclosedQuoteAt = 0; // the record (1-based, header included) whose quoted cell runs to the end of the file
        int maxRecord = limits.MaxCsvRecordBytes;
        using var csv = CsvReader.Create(stream, Options(scan, hasHeader, maxRecord, onMalformed: m =>
        {
            if (m.Reason == CsvMalformedReason.UnterminatedQuote && unclosedQuoteAt == 0) unclosedQuoteAt = m.RecordNumber;
        }), leaveOpen: false);
        // A record past the limit (an unclosed quote early in a large file) throws before it is buffered whole.
        bool Next()
        {
            try { return csv.Read(); }
            catch (CsvFormatException e) { throw RecordError(field, path, scan, hasHeader, maxRecord, e); }
        }

        string[] header;
        try { header = hasHeader ? csv.Headers?.ToArray() ?? [] : columnNames?.ToArray() ?? []; }
        catch (CsvFormatException e) { throw RecordError(field, path, scan, hasHeader, maxRecord, e); }
        if (unclosedQuoteAt == 1 && hasHeader) throw UnclosedQuote(field, path, scan, hasHeader, unclosedQuoteAt, maxRecord);
        if (hasHeader && header.Length == 0)
            throw new RequestException(field, $"'{Path.GetFileName(path)}' is empty (no header, zero rows)");
        CheckColumns(header.Length, path, field, limits);

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Length; i++) index.TryAdd(header[i], i);
        var missing = plan.Where(p => p.Required && !index.ContainsKey(p.Name)).ToList();
        if (missing.Count > 0 && OtherSeparator(header) is { } other)
            throw SeparatorError(field, path, other, "its header", header[0]);
        if (missing.Count > 0)
            throw new RequestException(missing.Select(m => new RequestIssue(m.Field,
                $"column '{m.Name}' is not in {field} {Path.GetFileName(path)}{SpacesHint(m.Name, index)}{EncodingHint(m.Name, index, scan)} " +
                $"(columns: {Preview(header)})")).ToList());

        var present = plan.Where(p => index.ContainsKey(p.Name)).ToList();
        var store = rowMajor is { Count: > 0 } && rowMajor.All(c => present.Any(p => p.Name == c && p.Kind == ColumnKind.Numeric))
            ? NewRowMajor(scan.Lines, rowMajor, hasHeader, rowLimit, new FileInfo(path).Length, header.Length) : null;
        var stored = store is null ? [] : rowMajor!.Select(c => (Name: c, present.First(p => p.Name == c).Field, Index: index[c])).ToArray();
        var numeric = present.Where(p => p.Kind == ColumnKind.Numeric && (store is null || !rowMajor!.Contains(p.Name)))
            .Select(p => (p.Name, p.Field, Index: index[p.Name], Values: new NumericColumn(), Rules: cells.For(p))).ToList();
        var text = present.Where(p => p.Kind == ColumnKind.Text).Select(p => (p.Name, Index: index[p.Name], Values: new List<string>())).ToList();
        var source = $"{field} {Path.GetFileName(path)}";
        var nonFinite = new Dictionary<string, long>(StringComparer.Ordinal);
        double markEmpty = cells.MarkEmpty;
        int row = 0;
        long shortRows = 0;
        (int Row, int Fields) firstShort = default;
        while (Next())
        {
            // Before the record is read: one that swallowed the rest of the file would fail on its cells with a confusing error.
            if (unclosedQuoteAt > 0) throw UnclosedQuote(field, path, scan, hasHeader, unclosedQuoteAt, maxRecord);
            if ((row & 4095) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (row == rowLimit)
                throw new RequestException(field,
                    $"'{Path.GetFileName(path)}' has more than {rowLimit:N0} data rows, the " +
                    $"limit{(maxRows is null ? "" : " for a predict request")}");
            try
            {
                var width = csv.FieldCount;
                if (!hasHeader && width == 1 && header.Length > 1 && OtherSeparator([csv.GetString(0) ?? ""]) is { } rowSeparator)
                    throw SeparatorError(field, path, rowSeparator, $"row {row}", csv.GetString(0) ?? "");
                if (!hasHeader && width != header.Length)
                    throw new RequestException(field, $"{source} row {row} has {width} fields but columns names {header.Length}");
                // A row wider than its header has shifted cells (an unquoted comma): read on, every column after it would be wrong.
                if (width > header.Length && HasCellsBeyond(csv, header.Length, width))
                    throw new RequestException(field, $"{source} row {row} has {width} fields but its header names {header.Length}: " +
                        "a cell holding the separator must be quoted");
                // Read as pandas reads it (missing cells empty), and counted: a row cut short is worth a word.
                if (width < header.Length && shortRows++ == 0) firstShort = (row, width);
                foreach (var (name, colField, i, values, rules) in numeric)
                    values.Add(i < width ? ParseNumber(csv.GetSpan(i), rules, name, row, colField, source, nonFinite)
                        : rules.Empty(name, row, colField, source));
                for (int c = 0; c < stored.Length; c++)
                {
                    var (name, colField, i) = stored[c];
                    store!.Set(c, i < width ? ParseNumber(csv.GetSpan(i), cells, name, row, colField, source, nonFinite) : markEmpty);
                }
                store?.EndRow();
                foreach (var (_, i, values) in text)
                    values.Add(i < width ? csv.GetString(i) ?? "" : "");
            }
            catch (RequestException e) when (e.Issues.Count == 1)
            {
                // Data rows count from 0, as predictions number them; an editor counts lines, the header's included.
                var line = LineOf(path, scan, hasHeader, row, maxRecord);
                var headerHint = !hasHeader && row == 0 && NamesColumns(csv, header)
                    ? "; that line holds the column names: set csv_header to true" : "";
                throw new RequestException(e.Issues[0].Field, $"{e.Issues[0].Message} (line {line} of the file){headerHint}");
            }
            row++;
        }
        if (unclosedQuoteAt > 0) throw UnclosedQuote(field, path, scan, hasHeader, unclosedQuoteAt, maxRecord);
        if (row == 0) throw new RequestException(field, $"'{Path.GetFileName(path)}' has zero data rows");
        store?.Complete();
        var shortNote = shortRows == 0 ? null : new ShortRows(source, shortRows, firstShort.Row,
            LineOf(path, scan, hasHeader, firstShort.Row, maxRecord), firstShort.Fields, header.Length);
        var columns = numeric.ToDictionary(c => c.Name, c => c.Values);
        for (int c = 0; c < stored.Length; c++) columns[stored[c].Name] = store!.Column(c);
        return new Frame(row, header, columns, text.ToDictionary(c => c.Name, c => c.Values.ToArray()), Enumerable.Range(0, row).ToArray())
        {
            RowMajor = store, NonFiniteRead = nonFinite,
            ReadAsWindows1252At = scan.Encoding is null ? null : scan.BadByteOffset, StrayBytes = scan.Stray, ShortRows = shortNote,
        };
    }

    /// <summary>A row-major array sized by the file's line count (an upper bound of its rows, counted by the encoding scan at
    /// disk-cache speed), or null when the file would not fit one array (the columns are then chunked as usual).</summary>
    private static RowMajorColumns? NewRowMajor(long lines, IReadOnlyList<string> columns, bool hasHeader, int rowLimit, long bytes,
        int width)
    {
        long rows = Math.Min(Math.Max(1, lines - (hasHeader ? 1 : 0)), rowLimit);
        // Lines also count empty ones and line breaks inside quoted cells: a row of `width` cells takes at least `width`
        // bytes, so a file of blank lines cannot make this allocate gigabytes (the array grows if it is short).
        rows = Math.Max(1, Math.Min(rows, bytes / Math.Max(1, width)));
        if (rows * columns.Count > Array.MaxLength) return null;
        return new RowMajorColumns(columns, (int)rows);
    }

    private static bool HasCellsBeyond(CsvReader csv, int from, int width)
    {
        for (int i = from; i < width; i++)
            if (!csv.GetSpan(i).IsEmpty) return true;
        return false; // trailing separators only
    }

    /// <summary>A quoted cell never closed swallows the rest of the file into one cell (CsvHelper recovers that way, and
    /// the rows after it would silently be lost): refused, naming where the quote opens.</summary>
    private static RequestException UnclosedQuote(string field, string path, FileScan scan, bool hasHeader, long record,
        int maxRecordBytes)
    {
        var where = Where(path, scan, hasHeader, record, maxRecordBytes);
        return new RequestException(field, $"'{Path.GetFileName(path)}' has a quoted cell {where} that is never closed: every line after " +
            "it would be read as part of that cell (close the quote, or remove the stray one)");
    }

    /// <summary>A record CsvHelper would not read: longer than <see cref="EngineLimits.MaxCsvRecordBytes"/> (in practice a
    /// quote opened and never closed, which reads the rest of the file into one cell), refused naming where it starts.</summary>
    private static RequestException RecordError(string field, string path, FileScan scan, bool hasHeader, int maxRecordBytes,
        CsvFormatException e)
    {
        var file = Path.GetFileName(path);
        var where = e.RecordNumber > 0 ? Where(path, scan, hasHeader, e.RecordNumber, maxRecordBytes) : "";
        // The reader's own text names its option (MaxRecordSize), not the file; no other format error is on with these options.
        if (e.InnerException is null && e.Message.Contains("MaxRecordSize", StringComparison.Ordinal))
            return new RequestException(field, $"'{file}' has a record {where} longer than {maxRecordBytes:N0} bytes, the limit of one row: " +
                "a quoted cell that is never closed reads every line after it into that cell (close the quote, or remove the stray one)");
        return new RequestException(field, $"'{file}' cannot be read{(where.Length > 0 ? " " + where : "")}: {e.Message}");
    }

    /// <summary>"in the header (line 1)" or "in data row R (line L of the file)" for a 1-based record number, header included.</summary>
    private static string Where(string path, FileScan scan, bool hasHeader, long record, int maxRecordBytes)
    {
        var row = (int)(record - (hasHeader ? 2 : 1));
        return row < 0 ? "in the header (line 1)"
            : $"in data row {row} (line {LineOf(path, scan, hasHeader, row, maxRecordBytes)} of the file)";
    }

    private static CsvReaderOptions Options(FileScan scan, bool hasHeader, int maxRecordBytes, bool trackLines = false,
        Action<CsvMalformedRecord>? onMalformed = null) => new()
        {
            MaxRecordSize = maxRecordBytes,
            OnMalformedRecord = onMalformed,
            Encoding = scan.Encoding,
            HasHeader = hasHeader,
            Separator = ',',
            FormatProvider = CultureInfo.InvariantCulture,
            TrimWhitespace = true,
            SkipEmptyLines = true,
            PoolStrings = true, // a class column of 10 M rows holds a handful of strings, not 10 M copies
            TrackLineNumbers = trackLines,
        };

    /// <summary>The 1-based line where data row <paramref name="row"/> (0-based) starts, for an error message: found by
    /// reading the file again, so that the bulk read does not pay for counting lines. A row too long to read (the limit
    /// bounds what this reads of it) is told by the reader's error, which knows its line.</summary>
    private static long LineOf(string path, FileScan scan, bool hasHeader, int row, int maxRecordBytes)
    {
        using var csv = CsvReader.Create(scan.Open(path), Options(scan, hasHeader, maxRecordBytes, trackLines: true), leaveOpen: false);
        try
        {
            for (int i = 0; i <= row; i++) csv.Read();
        }
        catch (CsvFormatException e) when (e.LineNumber > 0)
        {
            return e.LineNumber;
        }
        return csv.LineNumber;
    }

    /// <summary>The column names of a CSV (its header, or the request's columns for a headerless file).</summary>
    public static IReadOnlyList<string> ReadHeader(string path, bool hasHeader, IReadOnlyList<string>? columnNames, string field = "dataset",
        EngineLimits? limits = null) => ReadHeader(path, hasHeader, columnNames, out _, field, limits);

    /// <summary>The column names of a CSV; <paramref name="wholeScan"/> is the file's whole scan when its header needed one
    /// (quoted or beyond ASCII, see <see cref="FileEncoding.OfHeader"/>), for <see cref="Load"/> to take; else null.</summary>
    public static IReadOnlyList<string> ReadHeader(string path, bool hasHeader, IReadOnlyList<string>? columnNames, out FileScan? wholeScan,
        string field = "dataset", EngineLimits? limits = null)
    {
        wholeScan = null;
        if (!hasHeader) return columnNames ?? [];
        limits ??= EngineLimits.Current;
        try
        {
            var unclosed = false;
            var scan = FileEncoding.OfHeader(path);
            if (scan.WholeFile) wholeScan = scan;
            using var csv = CsvReader.Create(scan.Open(path), new CsvReaderOptions
            {
                HasHeader = true, Separator = ',', Encoding = scan.Encoding,
                TrimWhitespace = true,
                MaxRecordSize = limits.MaxCsvRecordBytes,
                OnMalformedRecord = m => unclosed |= m.Reason == CsvMalformedReason.UnterminatedQuote,
            }, leaveOpen: false);
            string[] header;
            try { header = csv.Headers?.ToArray() ?? []; }
            catch (CsvFormatException e) { throw RecordError(field, path, scan, hasHeader: true, limits.MaxCsvRecordBytes, e); }
            if (unclosed) throw UnclosedQuote(field, path, scan, hasHeader: true, record: 1, limits.MaxCsvRecordBytes);
            CheckColumns(header.Length, path, field, limits);
            return header;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RequestException(field, $"cannot read '{path}': {e.Message}");
        }
    }

    private static double ParseNumber(ReadOnlySpan<byte> utf8, CellRules cells, string column, int row, string field, string source,
        Dictionary<string, long> nonFinite)
    {
        if (utf8.IsEmpty) return cells.Empty(column, row, field, source);
        if (double.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
        return ParseNumber(Encoding.UTF8.GetString(utf8), cells, column, row, field, source, nonFinite); // slow path: error text
    }

    /// <summary>Invariant-culture number; empty = mark_empty; NaN/Infinity per <paramref name="cells"/> (each one read as
    /// empty counted in <paramref name="nonFinite"/> when given); text is an error naming column and row.</summary>
    public static double ParseNumber(string? cell, CellRules cells, string column, int row, string field, string source,
        Dictionary<string, long>? nonFinite = null)
    {
        if (string.IsNullOrWhiteSpace(cell)) return cells.Empty(column, row, field, source);
        if (CellRules.TryParse(cell, out var v)) return ReadNumber(v, cell, cells, column, row, field, source, nonFinite);
        throw new RequestException(field,
            $"{source} column '{column}' row {row}: '{Trunc(cell)}' is not numeric (list it in categorical_features or ignore_features)");
    }

    /// <summary>A parsed value (<paramref name="shown"/> as written): finite as it is; NaN/Infinity read as empty and counted
    /// in <paramref name="nonFinite"/>, or refused naming the column, the row and the option.</summary>
    public static double ReadNumber(double value, string shown, CellRules cells, string column, int row, string field, string source,
        Dictionary<string, long>? nonFinite)
    {
        if (double.IsFinite(value)) return value;
        if (cells.Admit(value) is not { } read)
            throw new RequestException(field, $"{source} column '{column}' row {row}: '{shown}' is not a finite number " +
                (cells.EmptyRefused ? "(this column needs a number in every row: a regression target)" : $"({CellRules.NonFiniteHint})"));
        if (nonFinite is not null) nonFinite[column] = nonFinite.GetValueOrDefault(column) + 1;
        return read;
    }

    private static void CheckColumns(int columns, string path, string field, EngineLimits limits)
    {
        if (columns > limits.MaxCsvColumns)
            throw new RequestException(field, $"'{Path.GetFileName(path)}' has {columns:N0} columns, above the limit of {limits.MaxCsvColumns:N0}");
    }

    /// <summary>A header read as one column that holds another common separator: a spreadsheet's semicolon export, or tabs
    /// ("semicolon", "tab"; else null).</summary>
    public static string? OtherSeparator(IReadOnlyList<string> header)
        => header.Count != 1 ? null : header[0].Contains(';') ? "semicolon" : header[0].Contains('\t') ? "tab" : null;

    private static RequestException SeparatorError(string field, string path, string separator, string where, string cell)
        => new(field, $"'{Path.GetFileName(path)}' looks {separator}-separated: {where} is one column ('{Trunc(cell)}'); " +
            "the engine reads comma-separated values (convert the file, minding decimal commas)");

    /// <summary>A headerless file's first record that repeats at least half of the request's column names is a header the
    /// request says is not there (csv_header false copied from a template): the parse error alone would not tell.</summary>
    private static bool NamesColumns(CsvReader csv, string[] names)
    {
        int n = Math.Min(csv.FieldCount, names.Length), same = 0;
        for (int i = 0; i < n; i++)
            if (string.Equals((csv.GetString(i) ?? "").Trim(), names[i].Trim(), StringComparison.OrdinalIgnoreCase)) same++;
        return names.Length > 0 && 2 * same >= names.Length;
    }

    /// <summary>Header names are read trimmed (flow exports pad them: " Flow Duration"): a request that copied the spaces is told so.</summary>
    private static string SpacesHint(string name, Dictionary<string, int> index)
        => name.Trim() != name && index.ContainsKey(name.Trim()) ? $"; header names are read without surrounding spaces: write '{name.Trim()}'" : "";

    /// <summary>A file read as Windows-1252 reads a header written in UTF-8 garbled ("dÃ©bit" for "débit"): a name beyond
    /// ASCII is told how the file was read, and which header name it is when it is there garbled so.</summary>
    private static string EncodingHint(string name, Dictionary<string, int> index, FileScan scan)
    {
        if (scan.Encoding is null || Ascii.IsValid(name)) return "";
        var read = $"; the file was read as Windows-1252 (byte {scan.BadByteOffset:N0} is not UTF-8)";
        var garbled = FileEncoding.Windows1252.GetString(Encoding.UTF8.GetBytes(name));
        return index.ContainsKey(garbled) ? $"{read}, so its header's '{garbled}' is this name written in UTF-8: save the whole file in one encoding"
            : read;
    }

    /// <summary>A cell as a message quotes it: a cell can be kilobytes long.</summary>
    internal static string Trunc(string s) => s.Length > 40 ? s[..40] + "..." : s;

    private static string Preview(string[] header) => header.Length <= 30 ? string.Join(", ", header) : string.Join(", ", header.Take(30)) +
        $", ... ({header.Length} in all)";
}
