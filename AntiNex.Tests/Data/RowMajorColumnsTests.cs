using System.Globalization;
using System.Text;
using AntiNex.Data;

namespace AntiNex.Tests.Data;

/// <summary>
/// A training file's numeric features read into one row-major float32 array hold every value exactly (doubles where a value
/// is not a float), whatever the file's line count says; once the feature matrix is written over them, their raw values
/// are refused, never read stale.
/// </summary>
public sealed class RowMajorColumnsTests
{
    private static readonly ColumnPlan[] Plan =
    [
        new("a", ColumnKind.Numeric, "features_to_process"),
        new("b", ColumnKind.Numeric, "features_to_process"),
        new("kind", ColumnKind.Text, "predict_feature"),
        new("y", ColumnKind.Numeric, "sort_values"),
    ];

    /// <summary>Rows over two chunks; column b turns non-float (32-bit counters, decimals) in the second chunk only.</summary>
    private static string Csv(int rows, bool blankLines, bool trailingNewline)
    {
        var text = new StringBuilder("b,kind,a,unused,y\n");
        for (int i = 0; i < rows; i++)
        {
            double b = i > NumericColumn.ChunkRows + 5 && i % 7 == 0 ? 4_294_967_295.0 - i : i % 1000;
            string a = i % 11 == 0 ? "" : (i * 0.25).ToString("R", CultureInfo.InvariantCulture);
            string kind = i % 2 == 0 ? "x" : "y";
            text.Append(CultureInfo.InvariantCulture, $"{b.ToString("R", CultureInfo.InvariantCulture)},{kind},{a},zz,{i % 3}");
            if (i < rows - 1 || trailingNewline) text.Append('\n');
            if (blankLines && i % 1000 == 0) text.Append('\n');
        }
        return text.ToString();
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)] // more lines than rows: the array is trimmed to the rows read
    public void Row_major_columns_read_every_value_as_the_chunked_columns_do(bool blankLines, bool trailingNewline)
    {
        using var t = new EngineTestData.TempRoot();
        int rows = NumericColumn.ChunkRows + 2_000;
        var path = t.Write("f.csv", Csv(rows, blankLines, trailingNewline));
        var chunked = CsvLoader.Load(path, Plan, true, null, CellRules.Default);
        var rowMajor = CsvLoader.Load(path, Plan, true, null, CellRules.Default, rowMajor: ["a", "b"]);

        Assert.Null(chunked.RowMajor);
        var store = rowMajor.RowMajor!;
        Assert.Equal(rows, rowMajor.RowCount);
        Assert.Equal(rows, store.Rows);
        Assert.Equal((long)rows * 2, store.Values.LongLength);
        Assert.Equal<string>(["a", "b"], store.Names);
        foreach (var column in new[] { "a", "b", "y" })
        {
            Assert.Equal(rows, rowMajor.Numeric[column].Count);
            for (int i = 0; i < rows; i++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(chunked.Numeric[column][i]), BitConverter.DoubleToInt64Bits(rowMajor.Numeric[column][i]));
        }
        Assert.Equal(chunked.Text["kind"], rowMajor.Text["kind"]);
        // a costs four bytes a row; b also holds doubles for its second chunk, where it is not exact as floats
        Assert.Equal(rows * 4L, rowMajor.Numeric["a"].Bytes);
        Assert.Equal(rows * 4L + NumericColumn.ChunkRows * 8L, rowMajor.Numeric["b"].Bytes);
    }

    [Fact]
    public void Sorting_keeps_the_features_row_major_and_every_value_exact()
    {
        using var t = new EngineTestData.TempRoot();
        int rows = NumericColumn.ChunkRows + 2_000;
        var path = t.Write("f.csv", Csv(rows, blankLines: false, trailingNewline: true));
        var chunked = CsvLoader.Load(path, Plan, true, null, CellRules.Default).SortBy(["y", "kind"]);
        var rowMajor = CsvLoader.Load(path, Plan, true, null, CellRules.Default, rowMajor: ["a", "b"]).SortBy(["y", "kind"]);

        var store = rowMajor.RowMajor!;
        Assert.Equal(rows, store.Rows);
        Assert.Equal((long)rows * 2, store.Values.LongLength);
        Assert.Equal(chunked.RowIds, rowMajor.RowIds);
        Assert.NotEqual(Enumerable.Range(0, rows), rowMajor.RowIds); // the rows did move
        foreach (var column in new[] { "a", "b", "y" })
            for (int i = 0; i < rows; i++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(chunked.Numeric[column][i]), BitConverter.DoubleToInt64Bits(rowMajor.Numeric[column][i]));
        for (int i = 0; i < rows; i++) Assert.Equal(rowMajor.Numeric["b"][i], store[i, 1]); // the columns read the new array
        Assert.Equal(chunked.Text["kind"], rowMajor.Text["kind"]);
    }

    [Fact]
    public void Overwriting_gives_the_matrix_in_place_and_refuses_the_raw_values_afterwards()
    {
        var store = new RowMajorColumns(["p", "q"], 3);
        double[][] cells = [[1, 0.1], [2, 4_294_967_295], [-3, 5]];
        foreach (var row in cells)
        {
            store.Set(0, row[0]);
            store.Set(1, row[1]);
            store.EndRow();
        }
        store.Complete();
        var values = store.Values;
        var beyond = new bool[3];
        store.Overwrite((column, raw, destination) =>
        {
            destination[0] = (float)(raw * 10 + column);
            return raw > 1e9;
        }, beyond, default);

        Assert.Same(values, store.Values); // no second array
        Assert.Equal([10f, 2f, 20f, 42_949_672_960f, -30f, 51f], store.Values);
        Assert.Equal([false, true, false], beyond);
        var e = Assert.Throws<InvalidOperationException>(() => store.Column(1)[0]);
        Assert.Contains("released", e.Message);
    }
}
