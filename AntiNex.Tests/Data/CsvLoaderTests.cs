using System.Text;
using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Tests.Data;

public class CsvLoaderTests
{
    private static readonly ColumnPlan[] Plan =
    [
        new("a", ColumnKind.Numeric, "features_to_process"),
        new("kind", ColumnKind.Text, "features_to_process"),
        new("y", ColumnKind.Numeric, "predict_feature"),
    ];

    [Fact]
    public void Reads_with_bom_invariant_numbers_and_marks_empty_cells()
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("x.csv", "\uFEFFa,kind,unused,y\n1.5,tcp,zz,1e3\n,udp,zz,2\n");
        var f = CsvLoader.Load(path, Plan, true, null, new CellRules(-7));
        Assert.Equal(2, f.RowCount);
        Assert.Equal([1.5, -7], f.Numeric["a"]);
        Assert.Equal([1000.0, 2], f.Numeric["y"]);
        Assert.Equal(["tcp", "udp"], f.Text["kind"]);
        Assert.False(f.Has("unused")); // only planned columns are kept
    }

    [Fact]
    public void A_file_that_is_not_utf8_reads_as_windows_1252_and_says_where()
    {
        using var t = new EngineTestData.TempRoot();
        var path = System.IO.Path.Combine(t.Path, "cp1252.csv");
        // 0x96 is the en dash in Windows-1252 and never valid on its own in UTF-8; 0xE9 is 'é'.
        File.WriteAllBytes(path, FileEncoding.Windows1252.GetBytes("a,kind,y,d\u00e9bit\n1,caf\u00e9,0,3\n2,Web Attack \u2013 XSS,1,4\n"));
        var f = CsvLoader.Load(path, Plan, true, null, CellRules.Default);
        Assert.Equal(["caf\u00e9", "Web Attack \u2013 XSS"], f.Text["kind"]);
        Assert.Equal([1.0, 2.0], f.Numeric["a"]);
        Assert.Equal("a,kind,y,d".Length, f.ReadAsWindows1252At);
        // The header alone is judged the same way: its names match the loader's.
        Assert.Equal(["a", "kind", "y", "d\u00e9bit"], CsvLoader.ReadHeader(path, true, null));
    }

    [Fact]
    public void Utf8_stays_utf8_even_with_a_character_split_across_reads()
    {
        using var t = new EngineTestData.TempRoot();
        var path = System.IO.Path.Combine(t.Path, "utf8.csv");
        // The detector reads 1 MiB at a time: the three bytes of an en dash go across that boundary.
        const string head = "a,kind,y\n", line = "1,x,0\n";
        int before = (1 << 20) - 2 - head.Length - "2,".Length, lines = before / line.Length - 1;
        var pad = new string('x', before - lines * line.Length);
        var text = head + string.Concat(Enumerable.Repeat(line, lines)) + $"2,{pad}\u2013,1\n3,Web Attack \u2013 XSS,1\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(0xE2, bytes[(1 << 20) - 2]);
        File.WriteAllBytes(path, bytes);
        var f = CsvLoader.Load(path, Plan, true, null, CellRules.Default);
        Assert.Null(f.ReadAsWindows1252At);
        Assert.Equal([pad + "\u2013", "Web Attack \u2013 XSS"], f.Text["kind"][^2..]);
    }

    [Fact]
    public void Windows_1252_text_behind_a_utf8_byte_order_mark_reads_as_windows_1252_without_the_mark()
    {
        using var t = new EngineTestData.TempRoot();
        var path = System.IO.Path.Combine(t.Path, "marked.csv");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. FileEncoding.Windows1252.GetBytes("a,kind,y\n1,caf\u00e9,0\n2,Web Attack \u2013 XSS,1\n")]);
        var f = CsvLoader.Load(path, Plan, true, null, CellRules.Default);
        Assert.Equal(["caf\u00e9", "Web Attack \u2013 XSS"], f.Text["kind"]);
        Assert.Equal(3 + "a,kind,y\n1,caf".Length, f.ReadAsWindows1252At);
        Assert.Equal(["a", "kind", "y"], f.SourceColumns); // the mark is not read as three letters of the first name
        Assert.Equal(["a", "kind", "y"], CsvLoader.ReadHeader(path, true, null));
    }

    [Fact]
    public void A_utf8_file_with_a_byte_order_mark_and_a_stray_byte_reads_as_utf8_and_says_where_the_byte_is()
    {
        using var t = new EngineTestData.TempRoot();
        var path = System.IO.Path.Combine(t.Path, "stray.csv");
        // A spreadsheet's "CSV UTF-8" (a mark, then UTF-8) with one byte pasted in from Windows-1252 text.
        var head = Encoding.UTF8.GetBytes("a,kind,y\n1,caf\u00e9,0\n2,Web Attack \u2013 XSS,1\n3,x");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. head, 0x96, .. "y,0\n"u8]);
        var f = CsvLoader.Load(path, Plan, true, null, CellRules.Default);
        Assert.Equal(["caf\u00e9", "Web Attack \u2013 XSS", "x\uFFFDy"], f.Text["kind"]);
        Assert.Equal(["a", "kind", "y"], f.SourceColumns);
        Assert.Null(f.ReadAsWindows1252At);
        Assert.Equal(new StrayBytes(1, 3 + head.Length, 4), f.StrayBytes);
        Assert.Equal($"dataset: stray.csv has a UTF-8 byte order mark and was read as UTF-8, but 1 byte is not UTF-8 (the first is byte " +
            $"{3 + head.Length}, on line 4) and read as U+FFFD: fix it, or save the file in one encoding", f.EncodingWarning("dataset", path));
        Assert.Equal(["a", "kind", "y"], CsvLoader.ReadHeader(path, true, null));
        // Without the mark the bytes alone decide, as before: Windows-1252.
        File.WriteAllBytes(path, [.. head, 0x96, .. "y,0\n"u8]);
        Assert.Equal(head.Length, CsvLoader.Load(path, Plan, true, null, CellRules.Default).ReadAsWindows1252At);
    }

    [Fact]
    public void A_header_in_utf8_over_rows_with_a_windows_1252_byte_reads_in_the_files_one_encoding()
    {
        using var t = new EngineTestData.TempRoot();
        var path = System.IO.Path.Combine(t.Path, "mixed.csv");
        // Only a row holds a byte that is not UTF-8: the whole file, header included, is Windows-1252.
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes("a,kind,y,d\u00e9bit\n"), .. FileEncoding.Windows1252.GetBytes("1,caf\u00e9,0,3\n")]);
        var f = CsvLoader.Load(path, Plan, true, null, CellRules.Default);
        Assert.Equal("caf\u00e9", Assert.Single(f.Text["kind"]));
        Assert.Equal(["a", "kind", "y", "d\u00c3\u00a9bit"], f.SourceColumns);
        Assert.Equal(f.SourceColumns, CsvLoader.ReadHeader(path, true, null)); // the names a request is checked against are the loader's
    }

    [Fact]
    public void A_name_beyond_ascii_missing_from_a_file_read_as_windows_1252_is_told_so_and_which_header_name_it_is()
    {
        using var t = new EngineTestData.TempRoot();
        var path = System.IO.Path.Combine(t.Path, "mixed.csv");
        const string Header = "a,kind,y,d\u00e9bit\n";
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes(Header), .. FileEncoding.Windows1252.GetBytes("1,caf\u00e9,0,3\n")]);
        var at = Encoding.UTF8.GetByteCount(Header + "1,caf");
        ColumnPlan[] plan =
            [new("d\u00e9bit", ColumnKind.Numeric, "features_to_process"), new("r\u00e9seau", ColumnKind.Text, "categorical_features")];
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(path, plan, true, null, CellRules.Default));
        Assert.Equal([new RequestIssue("features_to_process", $"column 'd\u00e9bit' is not in dataset mixed.csv; the file was read as " +
                $"Windows-1252 (byte {at} is not UTF-8), so its header's 'd\u00c3\u00a9bit' is this name written in UTF-8: save the whole " +
                "file in one encoding (columns: a, kind, y, d\u00c3\u00a9bit)"),
            new RequestIssue("categorical_features", $"column 'r\u00e9seau' is not in dataset mixed.csv; the file was read as Windows-1252 " +
                $"(byte {at} is not UTF-8) (columns: a, kind, y, d\u00c3\u00a9bit)")], e.Issues);
        var ascii = Assert.Throws<RequestException>(() => CsvLoader.Load(path, [new("b", ColumnKind.Numeric, "features_to_process")], true, null,
            CellRules.Default));
        Assert.Equal("column 'b' is not in dataset mixed.csv (columns: a, kind, y, d\u00c3\u00a9bit)", ascii.Issues[0].Message); // nothing to hint
    }

    [Fact]
    public void A_header_that_needs_the_whole_file_scanned_hands_that_scan_to_the_loader_which_does_not_scan_again()
    {
        using var t = new EngineTestData.TempRoot();
        var path = System.IO.Path.Combine(t.Path, "quoted.csv");
        const string Text = "\"a\",kind,y\n1,x,0\n2,caf\u00e9,1\n";
        File.WriteAllBytes(path, FileEncoding.Windows1252.GetBytes(Text));
        Assert.Equal(["a", "kind", "y"], CsvLoader.ReadHeader(path, true, null, out var scan));
        Assert.True(scan!.WholeFile);
        Assert.Equal((FileEncoding.Windows1252, 3L), (scan.Encoding, scan.Lines)); // judged on every row
        // Given the scan, the loader reads as it says: the same file written again in UTF-8 is not looked at anew.
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(Text));
        Assert.Equal("caf\u00c3\u00a9", CsvLoader.Load(path, Plan, true, null, CellRules.Default, scan: scan).Text["kind"][1]);
        Assert.Equal("caf\u00e9", CsvLoader.Load(path, Plan, true, null, CellRules.Default).Text["kind"][1]);
        // A plain header is read from the file's first bytes: there is no whole scan to hand on.
        var plain = t.Write("plain.csv", "a,kind,y\n1,x,0\n");
        Assert.Equal(["a", "kind", "y"], CsvLoader.ReadHeader(plain, true, null, out var none));
        Assert.Null(none);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x0A, 0xE2, 0x80 }, 2, 2)]       // ends inside a three-byte character
    [InlineData(new byte[] { 0x61, 0xC3, 0x28, 0x0A }, 1, 1)]       // a lead byte followed by no continuation
    [InlineData(new byte[] { 0x61, 0xF0, 0x9F, 0x98, 0x80 }, -1, 1)] // a four-byte character, whole: UTF-8
    [InlineData(new byte[] { 0xFF, 0xFE, 0x61, 0x00 }, -1, 1)]       // UTF-16 with its mark: the reader decodes it
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0x61, 0x96, 0x0A }, 4, 1)] // a UTF-8 mark before a byte that is not UTF-8
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0x61, 0xE2, 0x80, 0x93 }, -1, 1)] // a UTF-8 mark before UTF-8 (an en dash)
    public void The_encoding_scan_names_the_first_byte_that_is_not_utf8_and_counts_lines(byte[] bytes, long offset, long lines)
    {
        using var t = new EngineTestData.TempRoot();
        var path = System.IO.Path.Combine(t.Path, "x.csv");
        File.WriteAllBytes(path, bytes);
        var scan = FileEncoding.Scan(path);
        Assert.Equal(offset, scan.BadByteOffset);
        Assert.Equal(offset < 0 ? null : FileEncoding.Windows1252, scan.Encoding);
        Assert.Equal(lines, scan.Lines);
    }

    [Fact]
    public void Headerless_files_take_the_requests_column_names()
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("x.txt", "1,tcp,0\n2,udp,1\n");
        var f = CsvLoader.Load(path, Plan, false, ["a", "kind", "y"], CellRules.Default);
        Assert.Equal([2.0, 1.0], f.SortBy(["y"]).Numeric["a"].Reverse().ToArray());
    }

    [Fact]
    public void Sort_values_sorts_ascending_and_keeps_source_row_ids()
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("x.csv", "a,kind,y\n3,c,0\n1,a,1\n2,b,0\n");
        var f = CsvLoader.Load(path, Plan, true, null, CellRules.Default).SortBy(["a"]);
        Assert.Equal([1.0, 2, 3], f.Numeric["a"]);
        Assert.Equal([1, 2, 0], f.RowIds);
    }

    [Fact]
    public void A_feature_missing_from_the_csv_is_named()
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("x.csv", "a,y\n1,0\n");
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(path, Plan, true, null, CellRules.Default));
        Assert.Equal("features_to_process", e.Issues[0].Field);
        Assert.Contains("'kind'", e.Message);
    }

    [Theory]
    [InlineData("a;kind;y\n1;tcp;0\n", "looks semicolon-separated: its header is one column ('a;kind;y')")]
    [InlineData("a\tkind\ty\n1\ttcp\t0\n", "looks tab-separated")]
    public void A_file_with_another_separator_is_told_so_once(string content, string message)
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("x.csv", content);
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(path, Plan, true, null, CellRules.Default));
        Assert.Equal("dataset", Assert.Single(e.Issues).Field);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_headerless_file_with_another_separator_is_told_so_at_its_first_row()
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("x.csv", "1;tcp;0\n2;udp;1\n");
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(path, Plan, false, ["a", "kind", "y"], CellRules.Default));
        Assert.Equal("dataset", Assert.Single(e.Issues).Field);
        Assert.Contains("'x.csv' looks semicolon-separated: row 0 is one column ('1;tcp;0')", e.Message);
        // A short row of a comma-separated file still gets the row-width error.
        var narrow = t.Write("y.csv", "1,tcp,0\n2\n");
        var w = Assert.Throws<RequestException>(() => CsvLoader.Load(narrow, Plan, false, ["a", "kind", "y"], CellRules.Default));
        Assert.Contains("row 1 has 1 fields but columns names 3", w.Message);
        Assert.EndsWith("(line 2 of the file)", w.Message);
    }

    [Fact]
    public void A_row_wider_than_its_header_is_refused_naming_the_row_but_trailing_separators_are_not()
    {
        using var t = new EngineTestData.TempRoot();
        var shifted = t.Write("x.csv", "a,kind,y\n1,tcp,0\n2,udp,web,1\n");
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(shifted, Plan, true, null, CellRules.Default));
        Assert.Equal("dataset", Assert.Single(e.Issues).Field);
        Assert.Contains("row 1 has 4 fields but its header names 3", e.Message);
        Assert.EndsWith("(line 3 of the file)", e.Message); // data rows count from 0, an editor's lines from 1 with the header
        var trailing = t.Write("t.csv", "a,kind,y\n1,tcp,0,\n2,udp,1,,\n");
        Assert.Equal([0.0, 1], CsvLoader.Load(trailing, Plan, true, null, CellRules.Default).Numeric["y"]);
    }

    [Theory]
    [InlineData("abc", "not numeric")]
    [InlineData("NaN", "not a finite number")]
    [InlineData("Infinity", "not a finite number")]
    [InlineData("-Infinity", "not a finite number")]
    public void Non_numeric_and_non_finite_values_are_refused_with_column_and_row(string cell, string message)
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("x.csv", $"a,kind,y\n1,tcp,0\n{cell},udp,1\n");
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(path, Plan, true, null, CellRules.Default));
        Assert.Equal("features_to_process", e.Issues[0].Field);
        Assert.Contains("column 'a' row 1", e.Message);
        Assert.Contains(message, e.Message);
        Assert.EndsWith("(line 3 of the file)", e.Message);
        // A quoted cell over two lines: the row is still data row 1, the line the one it is on.
        var quoted = t.Write("q.csv", $"a,kind,y\n1,\"tcp\nudp\",0\n{cell},udp,1\n");
        var q = Assert.Throws<RequestException>(() => CsvLoader.Load(quoted, Plan, true, null, CellRules.Default));
        Assert.Contains("column 'a' row 1", q.Message);
        Assert.EndsWith("(line 4 of the file)", q.Message);
    }

    [Fact]
    public void Zero_rows_is_an_error()
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("x.csv", "a,kind,y\n");
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(path, Plan, true, null, CellRules.Default));
        Assert.Contains("zero data rows", e.Message);
        var empty = t.Write("empty.csv", "");
        Assert.Throws<RequestException>(() => CsvLoader.Load(empty, Plan, true, null, CellRules.Default));
    }

    [Fact]
    public void Predict_rows_become_a_frame_with_the_same_rules()
    {
        var rows = AntiNexRequest.Parse(
            """{"predict_feature": "y", "predict_rows": [{"a": 1, "kind": "tcp", "y": 0}, {"a": null, "kind": "udp", "y": "1"}]}""", out _)
            .PredictRows!;
        var f = Frame.FromPredictRows(rows, Plan, CellRules.Default);
        Assert.Equal([1.0, -1], f.Numeric["a"]);
        Assert.Equal([0.0, 1], f.Numeric["y"]);
        var missing = Assert.Throws<RequestException>(() => Frame.FromPredictRows(rows,
            [.. Plan, new ColumnPlan("b", ColumnKind.Numeric, "features_to_process")], CellRules.Default));
        Assert.Contains("'b'", missing.Message);
    }

    /// <summary>A quoted cell that is never closed would take every later line into itself (the parser recovers that way):
    /// refused, naming the data row and line where the quote opens, in the header too.</summary>
    [Fact]
    public void An_unclosed_quote_is_refused_naming_its_row_and_line_instead_of_swallowing_the_rest_of_the_file()
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("q.csv", "a,kind,y\n1,tcp,0\n2,\"udp,1\n3,tcp,0\n4,udp,1\n5,icmp,0\n");
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(path, Plan, true, null, CellRules.Default));
        Assert.Equal("dataset", e.Issues[0].Field);
        Assert.Contains("data row 1 (line 3 of the file)", e.Message);
        Assert.Contains("never closed", e.Message);

        // A quote opening a numeric cell, and one in a headerless file: the same refusal, not an error on the swallowed cells.
        var numeric = t.Write("n.csv", "a,kind,y\n1,tcp,0\n\"2,udp,1\n3,tcp,0\n");
        Assert.Contains("data row 1 (line 3 of the file)", Assert.Throws<RequestException>(
            () => CsvLoader.Load(numeric, Plan, true, null, CellRules.Default)).Message);
        var headerless = t.Write("nh.csv", "1,tcp,0\n2,\"udp,1\n3,tcp,0\n");
        Assert.Contains("data row 1 (line 2 of the file)", Assert.Throws<RequestException>(
            () => CsvLoader.Load(headerless, Plan, false, ["a", "kind", "y"], CellRules.Default)).Message);

        var header = t.Write("h.csv", "a,\"kind,y\n1,tcp,0\n");
        Assert.Contains("in the header", Assert.Throws<RequestException>(() => CsvLoader.ReadHeader(header, true, null)).Message);
        Assert.Contains("in the header", Assert.Throws<RequestException>(() => CsvLoader.Load(header, Plan, true, null, CellRules.Default)).Message);

        // Quotes that close are read as before, a separator and a line break inside them included.
        var fine = t.Write("ok.csv", "a,kind,y\n1,\"tcp, \"\"fast\"\"\",0\n2,\"two\nlines\",1\n");
        var f = CsvLoader.Load(fine, Plan, true, null, CellRules.Default);
        Assert.Equal(["tcp, \"fast\"", "two\nlines"], f.Text["kind"]);
    }

    /// <summary>A quote opened early in a large file and never closed would read the rest of the file into one record
    /// (gigabytes, then a parser error naming nothing): a record past MaxCsvRecordBytes is refused, naming the file, the data
    /// row and the line where it starts.</summary>
    [Fact]
    public void A_record_longer_than_the_limit_is_refused_naming_where_it_starts()
    {
        using var t = new EngineTestData.TempRoot();
        var limits = new EngineLimits { MaxCsvRecordBytes = 4096 };
        // Past the reader's 64 KiB buffer, so that it has to grow for the long record; a blank line shifts lines from rows.
        var rows = new StringBuilder("0,tcp,0\n\n");
        for (int i = 1; i < 20_000; i++) rows.Append(i).Append(",tcp,0\n");
        var body = rows.ToString();
        var fine = t.Write("fine.csv", "a,kind,y\n" + body);
        Assert.Equal(20_000, CsvLoader.Load(fine, Plan, true, null, CellRules.Default, limits: limits).RowCount);

        var open = t.Write("open.csv", "a,kind,y\n" + body.Replace("\n5,tcp,0\n", "\n5,\"tcp,0\n"));
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(open, Plan, true, null, CellRules.Default, "test_dataset", limits: limits));
        Assert.Equal("test_dataset", Assert.Single(e.Issues).Field);
        Assert.Contains("'open.csv' has a record in data row 5 (line 8 of the file) longer than 4,096 bytes", e.Message);
        Assert.Contains("never closed", e.Message);
        Assert.DoesNotContain(t.Path, e.Message);

        var headerless = t.Write("open.txt", body.Replace("0,tcp,0\n\n", "0,\"tcp,0\n\n"));
        Assert.Contains("'open.txt' has a record in data row 0 (line 1 of the file) longer", Assert.Throws<RequestException>(
            () => CsvLoader.Load(headerless, Plan, false, ["a", "kind", "y"], CellRules.Default, limits: limits)).Message);

        var header = t.Write("header.csv", "a,\"kind,y\n" + body);
        Assert.Contains("'header.csv' has a record in the header (line 1) longer", Assert.Throws<RequestException>(
            () => CsvLoader.ReadHeader(header, true, null, limits: limits)).Message);
        Assert.Contains("in the header (line 1) longer", Assert.Throws<RequestException>(
            () => CsvLoader.Load(header, Plan, true, null, CellRules.Default, limits: limits)).Message);
    }

    /// <summary>A column that needs a value in every row (a regression target) refuses an empty cell, a row too short to
    /// reach it and a non-finite value, whatever mark_empty and non_finite say: read as mark_empty it would be trained on
    /// as a real target.</summary>
    [Theory]
    [InlineData("a,y\n1,10\n2,\n", "row 1: empty")]
    [InlineData("a,y\n1,10\n2\n", "row 1: empty")]
    [InlineData("a,y\n1,10\n2,NaN\n", "row 1: 'NaN' is not a finite number")]
    public void A_regression_target_needs_a_number_in_every_row(string csv, string expected)
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("r.csv", csv);
        ColumnPlan[] plan = [new("a", ColumnKind.Numeric, "features_to_process"), new("y", ColumnKind.Numeric, "predict_feature", NeedsValue: true)];
        var lenient = new CellRules(-1, NonFiniteAsEmpty: true);
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(path, plan, true, null, lenient));
        Assert.Equal("predict_feature", e.Issues[0].Field);
        Assert.Contains(expected, e.Message);
        Assert.Contains("line 3 of the file", e.Message);
        // Features keep the request's rules: an empty feature is mark_empty.
        var features = t.Write("f.csv", "a,y\n1,10\n,20\n");
        Assert.Equal([1.0, -1], CsvLoader.Load(features, plan, true, null, lenient).Numeric["a"]);

        var rows = AntiNexRequest.Parse("""{"predict_feature": "y", "predict_rows": [{"a": 1, "y": 10}, {"a": 2}]}""", out _).PredictRows!;
        Assert.Contains("row 1: empty", Assert.Throws<RequestException>(() => Frame.FromPredictRows(rows, plan, lenient)).Message);
    }
}
