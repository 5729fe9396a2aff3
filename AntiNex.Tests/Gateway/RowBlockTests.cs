using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using AntiNex.Cluster;
using AntiNex.Data;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Models;
using AntiNex.Requests;

namespace AntiNex.Tests.Gateway;

/// <summary>Rows as float32 blocks: their wire form, the frame budget, and the readers that build blocks from predict_rows
/// and from CSV files.</summary>
public sealed class RowBlockTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("rowblocks");

    public void Dispose() => _system.Dispose();

    [Fact]
    public void Row_blocks_travel_as_four_bytes_a_value_and_come_back_bit_for_bit()
    {
        var values = Enumerable.Range(0, 30_000).Select(i => i * 0.1f - 7.25f).ToArray();
        values[^1] = float.Epsilon;
        values[^2] = 3.4e38f;
        var rows = new PredictRawRows("web-traffic", 12, values);
        var serializer = new AntiNexSerializer((ExtendedActorSystem)_system);
        var bytes = serializer.ToBinary(rows);
        Assert.InRange(bytes.Length, values.Length * 4, values.Length * 4 + 64);
        var back = (PredictRawRows)serializer.FromBinary(bytes, typeof(PredictRawRows));
        Assert.Equal(("web-traffic", 12, 2_500), (back.ModelId, back.Columns, back.RowCount));
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Values.Select(BitConverter.SingleToInt32Bits));

        var answer = new RowsPredicted("web-traffic", 7, [1f, 0f, -1f], "127.0.0.1:4053");
        var answerBack = (RowsPredicted)serializer.FromBinary(serializer.ToBinary(answer), typeof(RowsPredicted));
        Assert.Equal((answer.Label, answer.Version, answer.Node), (answerBack.Label, answerBack.Version, answerBack.Node));
        Assert.Equal(answer.Values, answerBack.Values);

        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes.AsSpan(0, bytes.Length - 3).ToArray(), typeof(PredictRawRows)));
    }

    [Fact]
    public void Blocks_are_cut_to_the_frame_and_json_beyond_it_is_refused_naming_the_sizes()
    {
        var budget = new FrameBudget(4 * 1024 * 1024);
        var perMessage = budget.RowsPerMessage(40);
        Assert.True(perMessage * 40L * 4 + RowBlockFormat.FixedOverhead + 256 <= budget.MaxFrameBytes, $"{perMessage} rows");
        Assert.True(perMessage > 20_000);
        Assert.Equal(0, new FrameBudget(64 * 1024).RowsPerMessage(1_000_000));
        Assert.Null(budget.CheckJson("web", "{\"label\": \"web\"}", "predict request", "r-1"));
        var refused = budget.CheckJson("web", new string('x', 5 * 1024 * 1024), "train request", "r-2");
        Assert.NotNull(refused);
        Assert.Equal(("too-large", "r-2"), (refused.Code, refused.RequestId));
        Assert.Contains("maximum-frame-size", refused.Message);
        Assert.Contains("5,242,880", refused.Message);
    }

    [Fact]
    public async Task A_large_block_whose_caller_goes_away_sends_no_further_piece_and_answers_cancelled()
    {
        var budget = new FrameBudget(64 * 1024);
        int columns = 10, perMessage = budget.RowsPerMessage(columns), rows = perMessage * 20;
        var sent = 0;
        using var gone = new CancellationTokenSource();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<object> Send(PredictRawRows piece, TimeSpan _)
        {
            if (Interlocked.Increment(ref sent) == ChunkedRows.InFlight) await gone.CancelAsync(); // the client leaves meanwhile
            await release.Task;
            return new RowsPredicted(piece.ModelId, 1, new float[piece.RowCount], "node");
        }
        var chunked = new ChunkedRows(Send, budget);
        var answered = 0;
        var run = chunked.SendAsync(new PredictRawRows("web", columns, new float[rows * columns]), TimeSpan.FromMinutes(1),
            n => Interlocked.Add(ref answered, n), gone.Token);
        release.SetResult();
        var failed = Assert.IsType<ModelFailed>(await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("cancelled", failed.Code);
        Assert.Contains($"sending {ChunkedRows.InFlight * perMessage:N0} of {rows:N0} rows", failed.Message);
        // The pieces already in flight are answered; none is sent after the cancel.
        Assert.Equal(ChunkedRows.InFlight, sent);
        Assert.Equal(ChunkedRows.InFlight * perMessage, answered);

        // Not cancelled: every piece is sent and the rows come back whole.
        sent = 0;
        var whole = Assert.IsType<RowsPredicted>(await new ChunkedRows(Send, budget)
            .SendAsync(new PredictRawRows("web", columns, new float[rows * columns]), TimeSpan.FromMinutes(1), ct: default));
        Assert.Equal((20, rows), (sent, whole.Values.Length));

        // Cancelled once the last piece is on its way: nothing was left unsent, so the answer is kept.
        sent = 0;
        using var late = new CancellationTokenSource();
        async Task<object> SendLast(PredictRawRows piece, TimeSpan _)
        {
            if (Interlocked.Increment(ref sent) == 20) await late.CancelAsync();
            await Task.Yield();
            return new RowsPredicted(piece.ModelId, 1, new float[piece.RowCount], "node");
        }
        var kept = await new ChunkedRows(SendLast, budget)
            .SendAsync(new PredictRawRows("web", columns, new float[rows * columns]), TimeSpan.FromMinutes(1), ct: late.Token);
        Assert.Equal(rows, Assert.IsType<RowsPredicted>(kept).Values.Length);
    }

    /// <summary>A training that lands while a large block is predicted: pieces answered by two versions are never put
    /// together in one reply (it would hold two models' answers); the caller is told to retry.</summary>
    [Fact]
    public async Task A_large_block_answered_by_two_versions_is_refused_as_busy_not_mixed()
    {
        var budget = new FrameBudget(64 * 1024);
        int columns = 10, perMessage = budget.RowsPerMessage(columns), rows = perMessage * 8;
        var answered = 0;
        Task<object> Send(PredictRawRows piece, TimeSpan _)
            => Task.FromResult<object>(new RowsPredicted(piece.ModelId, Interlocked.Increment(ref answered) <= 4 ? 1 : 2,
                new float[piece.RowCount], "node"));
        var reply = await new ChunkedRows(Send, budget).SendAsync(new PredictRawRows("web", columns, new float[rows * columns]),
            TimeSpan.FromMinutes(1));
        var busy = Assert.IsType<ModelFailed>(reply);
        Assert.Equal("busy", busy.Code);
        Assert.Contains("versions 1 and 2", busy.Message);

        // One version throughout: the rows come back whole.
        Task<object> Steady(PredictRawRows piece, TimeSpan _) => Task.FromResult<object>(new RowsPredicted(piece.ModelId, 2,
            new float[piece.RowCount], "node"));
        var whole = await new ChunkedRows(Steady, budget).SendAsync(new PredictRawRows("web", columns, new float[rows * columns]),
            TimeSpan.FromMinutes(1));
        Assert.Equal((2L, rows), (Assert.IsType<RowsPredicted>(whole).Version, ((RowsPredicted)whole).Values.Length));
    }

    [Theory]
    [InlineData("""[{"a": 1, "b": 2}, {"a": 3, "b": 4, "a": 5}]""", "predict_rows[1].a: appears more than once")]
    [InlineData("""[{"a": 1, "b": "\ud800"}]""", "predict_rows[0].b: contains an invalid UTF-16 sequence (lone surrogate)")]
    public void Rows_given_as_a_json_string_are_read_as_strictly_as_a_request(string rows, string error)
    {
        using var asText = JsonDocument.Parse(JsonSerializer.Serialize(rows));
        var e = Assert.Throws<RequestException>(() => PredictRowsPacker.Pack(asText.RootElement, ["b", "a"], "y", CellRules.Default));
        Assert.Equal(error, e.Message);
    }

    [Fact]
    public void Records_and_columns_orientations_pack_the_same_block_in_the_models_feature_order()
    {
        string[] features = ["b", "a"];
        using var records = JsonDocument.Parse("""[{"a": 1, "b": 2, "y": 1}, {"a": 3, "b": null, "y": 0}, {"b": "5.5", "a": 4}]""");
        using var columns = JsonDocument.Parse("""{"a": {"10": 4, "2": 1, "3": 3}, "b": {"2": 2, "3": null, "10": "5.5"}, "y": {"2": 1, "3": 0}}""");
        var fromRecords = PredictRowsPacker.Pack(records.RootElement, features, "y", CellRules.Default);
        var fromColumns = PredictRowsPacker.Pack(columns.RootElement, features, "y", CellRules.Default);
        float[] expected = [2, 1, -1, 3, 5.5f, 4];
        Assert.Equal(expected, fromRecords.Values);
        Assert.Equal(expected, fromColumns.Values);
        Assert.Equal([1, 0, double.NaN], fromRecords.Originals!);
        Assert.Equal([1, 0, double.NaN], fromColumns.Originals!);
        using var asText = JsonDocument.Parse(JsonSerializer.Serialize(records.RootElement.GetRawText()));
        Assert.Equal(expected, PredictRowsPacker.Pack(asText.RootElement, features, "y", CellRules.Default).Values);

        using var bad = JsonDocument.Parse("""[{"a": 1, "b": 2}, {"a": "tcp", "b": 2}]""");
        var error = Assert.Throws<RequestException>(() => PredictRowsPacker.Pack(bad.RootElement, features, "y", CellRules.Default));
        Assert.Contains("row 1 column 'a'", error.Message);
        using var missing = JsonDocument.Parse("""[{"a": 1}]""");
        var noColumn = Assert.Throws<RequestException>(() => PredictRowsPacker.Pack(missing.RootElement, features, "y", CellRules.Default));
        Assert.Contains("no column 'b'", noColumn.Message);
        using var huge = JsonDocument.Parse("""[{"a": 1, "b": 1e39}]""");
        Assert.Contains("row 0 column 'b': 1E+39 is beyond float32",
            Assert.Throws<RequestException>(() => PredictRowsPacker.Pack(huge.RootElement, features, "y", CellRules.Default)).Message);
    }

    [Fact]
    public void Rows_without_a_features_key_read_it_as_empty_and_are_counted_as_a_node_reads_them()
    {
        string[] features = ["b", "a"];
        using var records = JsonDocument.Parse("""[{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"b": 8}, {"a": 5, "b": 6}]""");
        using var columns = JsonDocument.Parse("""{"a": {"0": 1, "1": 3, "3": 5}, "b": {"0": 2, "1": 4, "2": 8, "3": 6}}""");
        foreach (var doc in new[] { records, columns })
        {
            var packed = PredictRowsPacker.Pack(doc.RootElement, features, "y", new CellRules(-7));
            Assert.Equal([2f, 1, 4, 3, 8, -7, 6, 5], packed.Values);
            Assert.Equal("predict_rows: 1 row lacks key 'a'; the missing cells were read as empty (mark_empty for a number); the first is row 2",
                packed.MissingKeys!.Warning);
        }
        using var complete = JsonDocument.Parse("""[{"a": 1, "b": 2}]""");
        Assert.Null(PredictRowsPacker.Pack(complete.RootElement, features, "y", CellRules.Default).MissingKeys);
        using var noProto = JsonDocument.Parse("""[{"proto": "tcp", "size": 1}, {"size": 2}, {"proto": "udp"}]""");
        var text = PredictRowsPacker.Pack(noProto.RootElement, ["size", "proto"], "y", CellRules.Default, ["proto"]);
        Assert.Equal(["tcp", "", "udp"], text.Texts![1]!);
        Assert.Equal([1f, 0, 2, 0, -1, 0], text.Values);
        Assert.Equal((2, 1), (text.MissingKeys!.Rows, text.MissingKeys.FirstRow));
        Assert.Equal(["size", "proto"], text.MissingKeys.Keys);
    }

    [Fact]
    public void A_models_categorical_features_are_packed_as_the_text_a_node_reads_from_predict_rows()
    {
        string[] features = ["size", "proto"];
        string[] categorical = ["proto"];
        using var records = JsonDocument.Parse(
            """[{"proto": "tcp", "size": 2}, {"proto": 6, "size": "3"}, {"proto": null, "size": 4}, {"proto": true, "size": 5}]""");
        using var columns = JsonDocument.Parse(
            """{"proto": {"1": 6, "0": "tcp", "2": null, "3": true}, "size": {"0": 2, "1": "3", "2": 4, "3": 5}}""");
        foreach (var doc in new[] { records, columns })
        {
            var packed = PredictRowsPacker.Pack(doc.RootElement, features, "y", CellRules.Default, categorical);
            Assert.Null(packed.Texts![0]);
            Assert.Equal(["tcp", "6", "", "1"], packed.Texts[1]!);
            Assert.Equal([2f, 0, 3, 0, 4, 0, 5, 0], packed.Values);
        }
        Assert.Contains("row 0 column 'proto': \"tcp\" is not a number", Assert.Throws<RequestException>(
            () => PredictRowsPacker.Pack(records.RootElement, features, "y", CellRules.Default, [])).Message);

        using var bad = JsonDocument.Parse("""[{"proto": "tcp", "size": 2}, {"proto": ["tcp"], "size": 2}]""");
        var error = Assert.Throws<RequestException>(() => PredictRowsPacker.Pack(bad.RootElement, features, "y", CellRules.Default, categorical));
        Assert.Contains("row 1 column 'proto': a cell must be a number, string or null", error.Message);
        using var textForNumber = JsonDocument.Parse("""[{"proto": "tcp", "size": "big"}]""");
        Assert.Contains("row 0 column 'size'", Assert.Throws<RequestException>(
            () => PredictRowsPacker.Pack(textForNumber.RootElement, features, "y", CellRules.Default, categorical)).Message);
    }

    [Fact]
    public void A_csv_file_is_read_block_by_block_in_the_models_feature_order()
    {
        var path = Path.Combine(Path.GetTempPath(), $"antinex-rows-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllLines(path, ["id,\"b\",a,note", "0,2,1,\"x, y\"", "1,,3,z", "", "2,5.5,4,w", "3,7,8,v", "4,9,10,u"]);
            using var reader = new CsvRowReader(path, ["a", "b"]);
            var block = new float[2 * 2];
            Assert.Equal(2, reader.Read(block));
            Assert.Equal([1, 2, 3, -1], block);
            Assert.Equal(2, reader.Read(block));
            Assert.Equal([4, 5.5f, 8, 7], block);
            Assert.Equal(1, reader.Read(block));
            Assert.Equal(0, reader.Read(block));
            Assert.Equal(5, reader.RowsRead);

            File.WriteAllLines(path, ["a,b", "1,2", "1,tcp"]);
            using var bad = new CsvRowReader(path, ["a", "b"]);
            Assert.Contains("line 3 column 'b'", Assert.Throws<UsageException>(() => bad.Read(new float[8])).Message);
            Assert.Contains("lacks column(s) c", Assert.Throws<UsageException>(() => new CsvRowReader(path, ["a", "c"])).Message);

            File.WriteAllLines(path, ["a;b", "1;2"]);
            Assert.Contains("looks semicolon-separated", Assert.Throws<UsageException>(() => new CsvRowReader(path, ["a", "b"])).Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_csv_row_short_of_its_header_reads_its_missing_cells_as_empty_and_is_counted_as_a_node_reads_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"antinex-short-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllLines(path, ["a,b,c", "1,2,3", "4", "", "5,6", "7,8,9"]);
            using var reader = new CsvRowReader(path, ["a", "b"], new CellRules(-7));
            var block = new float[4 * 2];
            Assert.Equal(4, reader.Read(block));
            Assert.Equal([1f, 2, 4, -7, 5, 6, 7, 8], block);
            // Named as a node names a dataset's short rows, so that one warning reads alike whichever path the rows took.
            Assert.Equal($"dataset {Path.GetFileName(path)}: 2 rows have fewer fields than the header's 3; the missing cells were read as " +
                "empty (mark_empty for a number); the first is row 1 (line 3 of the file), with 1 field", Assert.Single(reader.RowWarnings()));
            File.WriteAllLines(path, ["proto,size", "tcp,1", "udp"]);
            using var text = new CsvRowReader(path, ["size", "proto"], textFeatures: ["proto"]);
            var (numbers, texts) = (new double[2], new string[2]);
            Assert.True(text.ReadRow(numbers, texts));
            Assert.True(text.ReadRow(numbers, texts));
            Assert.Equal((-1.0, "udp"), (numbers[0], texts[1]));
            Assert.Equal((1L, 1, 3L), (text.ShortRows!.Count, text.ShortRows.FirstRow, text.ShortRows.FirstLine));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_windows_1252_header_names_the_same_features_as_the_training_loader_reads()
    {
        var path = Path.Combine(Path.GetTempPath(), $"antinex-rows-{Guid.NewGuid():N}.csv");
        try
        {
            // "débit" in Windows-1252 is one byte 0xE9, not valid UTF-8: read as UTF-8 it would not match the model's name.
            File.WriteAllBytes(path, FileEncoding.Windows1252.GetBytes("d\u00e9bit,b\n1,2\n3,4\n"));
            using var reader = new CsvRowReader(path, ["b", "d\u00e9bit"]);
            var block = new float[4];
            Assert.Equal(2, reader.Read(block));
            Assert.Equal([2, 1, 4, 3], block);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Windows_1252_behind_a_utf8_byte_order_mark_streams_as_the_training_loader_reads_it()
    {
        using var root = new Data.EngineTestData.TempRoot();
        var path = Path.Combine(root.Path, "marked.csv");
        // The mark says UTF-8, the 0xE9 of "débit" says otherwise: the bytes decide, and the mark is not read as letters.
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. FileEncoding.Windows1252.GetBytes("a,d\u00e9bit\n1,2\n")]);
        using var reader = new CsvRowReader(path, ["d\u00e9bit", "a"]);
        var block = new float[2];
        Assert.Equal(1, reader.Read(block));
        Assert.Equal([2, 1], block);
        Assert.Equal("dataset: marked.csv is not UTF-8 (byte 6 is not); it was read as Windows-1252", reader.EncodingWarning);
    }

    [Fact]
    public void A_marked_utf8_file_with_a_stray_byte_streams_as_utf8_and_is_warned_in_the_nodes_words()
    {
        using var root = new Data.EngineTestData.TempRoot();
        var path = Path.Combine(root.Path, "stray.csv");
        // Two UTF-8 "é"s outweigh one stray 0x96 (in a column the model does not read): the mark holds, the byte reads as U+FFFD.
        var head = System.Text.Encoding.UTF8.GetBytes("a,d\u00e9bit,note\n1,2,caf\u00e9\n3,4,x");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. head, 0x96, (byte)'\n']);
        using var reader = new CsvRowReader(path, ["d\u00e9bit", "a"]);
        var block = new float[4];
        Assert.Equal(2, reader.Read(block));
        Assert.Equal([2, 1, 4, 3], block);
        Assert.Equal("dataset: stray.csv has a UTF-8 byte order mark and was read as UTF-8, but 1 byte is not UTF-8 (the first is byte " +
            $"{3 + head.Length}, on line 3) and read as U+FFFD: fix it, or save the file in one encoding", reader.EncodingWarning);
        File.WriteAllText(path, "a,b\n1,2\n");
        using var plain = new CsvRowReader(path, ["a", "b"]);
        Assert.Null(plain.EncodingWarning);
    }

    [Fact]
    public void A_row_wider_than_its_header_or_a_quote_never_closed_is_refused_and_a_quoted_line_break_stays_in_its_cell()
    {
        using var root = new Data.EngineTestData.TempRoot();
        // Line 6 has an unquoted thousands separator: read on, every cell after it would be shifted by one.
        var path = root.Write("rows.csv", "a,b,c\n1,2,x\n\"3\",4,\"two\nlines\"\n5,6,7,\n8,9,1,000\n");
        using var reader = new CsvRowReader(path, ["a", "b", "c"], textFeatures: ["c"]);
        var (numbers, texts) = (new double[3], new string[3]);
        Assert.True(reader.ReadRow(numbers, texts));
        Assert.True(reader.ReadRow(numbers, texts));
        Assert.Equal((3, 4, "two\nlines"), (numbers[0], numbers[1], texts[2]));
        Assert.True(reader.ReadRow(numbers, texts)); // a trailing separator is an empty cell, not a shift
        Assert.Equal("7", texts[2]);
        var wide = Assert.Throws<UsageException>(() => reader.ReadRow(numbers, texts));
        Assert.Contains("line 6: has 4 cells but its header names 3", wide.Message);

        var open = root.Write("open.csv", "a,b\n1,\"2\n3,4\n");
        using var unclosed = new CsvRowReader(open, ["a", "b"]);
        Assert.Contains("line 2: a quoted cell opens and is never closed", Assert.Throws<UsageException>(() => unclosed.Read(new float[4])).Message);
        // In a large file the open quote is refused within a bound, not after pulling the rest of the file into one row.
        var large = root.Write("large.csv", "a,b\n1,\"2\n" + string.Concat(Enumerable.Repeat(new string('9', 1023) + "\n", 17 * 1024)));
        using var bounded = new CsvRowReader(large, ["a", "b"]);
        Assert.Contains("line 2: a quoted cell opens and is not closed within 16 MiB",
            Assert.Throws<UsageException>(() => bounded.Read(new float[4])).Message);
    }

    [Fact]
    public void A_csv_number_beyond_float32_is_refused_naming_its_line_and_column_as_a_json_requests_rows_are()
    {
        using var root = new Data.EngineTestData.TempRoot();
        var path = root.Write("rows.csv", "a,b\n1,2\n3,1e300\n");
        using var reader = new CsvRowReader(path, ["a", "b"]);
        // Not sent as an infinity for the node to refuse under a block index: said here, as predict_rows say it.
        var e = Assert.Throws<UsageException>(() => reader.Read(new float[4]));
        Assert.Equal("line 3 column 'b': 1e300 is beyond float32 (rows beyond one cluster message travel as float32)", e.Message);
        // Still a number where a text cell would be one: the largest float32 and tiny values read as ever.
        root.Write("rows.csv", "a,b\n3.4e38,1e-300\n");
        using var edge = new CsvRowReader(path, ["a", "b"]);
        var block = new float[2];
        Assert.Equal(1, edge.Read(block));
        Assert.Equal([3.4e38f, 0f], block);
    }

    [Fact]
    public void A_csv_of_a_header_and_no_row_is_refused_as_predict_rows_of_no_row_are()
    {
        using var root = new Data.EngineTestData.TempRoot();
        var path = root.Write("rows.csv", "a,b\n\n");
        using var reader = new CsvRowReader(path, ["a", "b"]);
        Assert.Equal("the file has a header line but no rows to predict",
            Assert.Throws<UsageException>(() => reader.Read(new float[4])).Message);
        using var text = new CsvRowReader(path, ["a", "b"], textFeatures: ["b"]);
        Assert.Throws<UsageException>(() => text.ReadRow(new double[2], new string[2]));
        // At the end of a file that had rows, the end is only the end.
        root.Write("rows.csv", "a,b\n1,2\n");
        using var one = new CsvRowReader(path, ["a", "b"]);
        Assert.Equal(1, one.Read(new float[4]));
        Assert.Equal(0, one.Read(new float[4]));
    }

    [Fact]
    public void A_windows_1252_category_below_an_ascii_header_reads_as_the_training_loader_reads_it()
    {
        using var root = new Data.EngineTestData.TempRoot();
        var path = Path.Combine(root.Path, "rows.csv");
        // The header is plain ASCII; only a row far below it holds byte 0xE9 ("é" in Windows-1252, not UTF-8).
        var rows = string.Concat(Enumerable.Repeat("tcp,0\n", 5000));
        File.WriteAllBytes(path, FileEncoding.Windows1252.GetBytes("proto,y\n" + rows + "d\u00e9bit,1\n"));
        using var reader = new CsvRowReader(path, ["proto"], textFeatures: ["proto"]);
        var (numbers, texts) = (new double[1], new string[1]);
        string last = "";
        while (reader.ReadRow(numbers, texts)) last = texts[0];
        Assert.Equal("d\u00e9bit", last);
    }

    [Fact]
    public void Categorical_cells_reach_the_model_as_the_training_loader_reads_them_and_numbers_as_numbers()
    {
        using var root = new Data.EngineTestData.TempRoot();
        var path = root.Write("rows.csv", "size,proto,y\n1.5, tcp ,0\n,\"udp\",1\n\n3,\"a,b\",0\n4,\"q\"\"r\",1\n5,,0\n");
        using var reader = new CsvRowReader(path, ["proto", "size"], textFeatures: ["proto"]);
        var summary = new AntiNex.Learning.ModelSummary
        {
            Label = "cats", PredictFeature = "y", InputFeatures = ["proto", "size"], CategoricalFeatures = ["proto"],
        };
        using var block = new TextRowsRequest("cats", summary, maxBytes: 1 << 20);
        var (numbers, texts) = (new double[2], new string[2]);
        while (reader.ReadRow(numbers, texts)) block.Add(numbers, texts);
        Assert.Equal(5, block.Rows);

        // What the model's own predict path makes of the request, against what the training loader reads from the file.
        var request = AntiNexRequest.Parse(block.Finish(), out _);
        Assert.Equal(5, request.MaxRecords);
        ColumnPlan[] plan = [new("proto", ColumnKind.Text, "features_to_process"), new("size", ColumnKind.Numeric, "features_to_process")];
        var sent = Frame.FromPredictRows(request.PredictRows!, plan, CellRules.Default);
        var loaded = CsvLoader.Load(path, plan, true, null, CellRules.Default);
        Assert.Equal(["tcp", "udp", "a,b", "q\"r", ""], loaded.Text["proto"]);
        Assert.Equal(loaded.Text["proto"], sent.Text["proto"]);
        Assert.Equal([1.5, -1, 3, 4, 5], Enumerable.Range(0, 5).Select(i => sent.Numeric["size"][i]));

        // A numeric feature still refuses text, naming line and column; a model that does not list its categorical
        // features is told how to go on.
        root.Write("rows.csv", "size,proto\n1,tcp\n");
        using var unknown = new CsvRowReader(path, ["proto", "size"], textFeatures: null);
        var e = Assert.Throws<UsageException>(() => unknown.Read(new float[4]));
        Assert.Contains("line 2 column 'proto': 'tcp' is not a finite number", e.Message);
        Assert.Contains("predict_rows", e.Message);
        using var known = new CsvRowReader(path, ["size"], textFeatures: []);
        Assert.Equal(1, known.Read(new float[1]));
    }

    [Fact]
    public async Task A_prediction_file_takes_its_name_only_when_every_row_is_written()
    {
        using var root = new Data.EngineTestData.TempRoot();
        var target = root.Write("pred.csv", "an earlier run\n");
        await using (var failed = PredictionFile.Open(target)) failed.Writer.WriteLine("row,predicted");
        Assert.Equal("an earlier run\n", File.ReadAllText(target));
        Assert.Equal([target], Directory.GetFiles(root.Path));

        var fresh = Path.Combine(root.Path, "new.csv");
        await using (var failed = PredictionFile.Open(fresh)) failed.Writer.WriteLine("row,predicted");
        Assert.False(File.Exists(fresh));

        await using (var done = PredictionFile.Open(target))
        {
            done.Writer.WriteLine("row,predicted");
            await done.CommitAsync();
        }
        Assert.Equal("row,predicted\n", File.ReadAllText(target));
        Assert.Equal([target], Directory.GetFiles(root.Path));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // file modes and /dev/null: the project runs on Linux
    public async Task A_prediction_file_keeps_an_earlier_files_permissions_writes_through_a_symlink_and_refuses_a_bad_target()
    {
        using var root = new Data.EngineTestData.TempRoot();
        var target = root.Write("pred.csv", "an earlier run\n");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var link = Path.Combine(root.Path, "latest.csv");
        File.CreateSymbolicLink(link, target);
        await using (var done = PredictionFile.Open(link))
        {
            done.Writer.WriteLine("row,predicted");
            await done.CommitAsync();
        }
        Assert.NotNull(new FileInfo(link).LinkTarget); // the link stays a link
        Assert.Equal("row,predicted\n", File.ReadAllText(target));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));

        Assert.StartsWith("--out: ", Assert.Throws<UsageException>(() => PredictionFile.Open(root.Path)).Message);
        Assert.Contains("does not exist", Assert.Throws<UsageException>(() => PredictionFile.Open(Path.Combine(root.Path, "no", "p.csv"))).Message);
        // A device is written as it is: nothing to rename over it.
        await using (var sink = PredictionFile.Open("/dev/null"))
        {
            sink.Writer.WriteLine("row,predicted");
            await sink.CommitAsync();
        }
        Assert.Equal([link, target], Directory.GetFiles(root.Path).Order());
    }

    [Fact]
    public void Sparse_records_are_filled_in_place_without_a_list_entry_per_missing_cell()
    {
        // Each row holds one of 40 features: the other 39 read as empty, counted per feature and flagged per row.
        const int rows = 20_000, width = 40;
        var features = Enumerable.Range(0, width).Select(j => $"f{j}").ToList();
        using var sparse = JsonDocument.Parse("[" + string.Join(",", Enumerable.Range(0, rows).Select(i => $"{{\"f{i % width}\": 1}}")) + "]");
        PredictRowsPacker.Pack(sparse.RootElement, features, "y", new CellRules(-7)); // warmed
        long before = GC.GetAllocatedBytesForCurrentThread();
        var packed = PredictRowsPacker.Pack(sparse.RootElement, features, "y", new CellRules(-7));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((rows, 0), (packed.MissingKeys!.Rows, packed.MissingKeys.FirstRow));
        Assert.Equal(features, packed.MissingKeys.Keys);
        Assert.Equal(rows * (width - 1), packed.Values.Count(v => v == -7));
        // The block itself (4 bytes a value) and a flag a row; a list entry per missing cell was twice the block again.
        Assert.True(allocated < rows * width * 4 * 1.25, $"{allocated:N0} bytes allocated packing a {rows * width * 4:N0}-byte block");
    }
}
