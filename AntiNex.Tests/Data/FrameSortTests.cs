using AntiNex.Data;
using AntiNex.Learning;

namespace AntiNex.Tests.Data;

/// <summary>
/// sort_values: a stable ascending order that does not depend on the rows' starting order, and a sorted frame keeps what
/// was noted of its file (NaN/Infinity read as empty, Windows-1252) and its row-major features.
/// </summary>
public class FrameSortTests
{
    private static Frame TextFrame(params string[] cells)
        => new(cells.Length, ["s", "n"], new Dictionary<string, double[]> { ["n"] = cells.Select((_, i) => (double)i).ToArray() },
            new Dictionary<string, string[]> { ["s"] = cells }, Enumerable.Range(0, cells.Length).ToArray());

    [Fact]
    public void A_text_column_sorts_the_same_whatever_the_starting_order()
    {
        // Numbers compared as numbers and text as text when a pair is mixed is no order at all: 9 < 10 < "1a" < 9.
        string[] values = ["10", "9", "1a"];
        var sorted = new[] { new[] { 0, 1, 2 }, [2, 1, 0], [1, 2, 0], [0, 2, 1] }
            .Select(order => string.Join(",", TextFrame([.. order.Select(i => values[i])]).SortBy(["s"]).Text["s"]))
            .Distinct().ToList();
        Assert.Equal(["10,1a,9"], sorted); // not every cell is a number: ordinal text
    }

    [Fact]
    public void A_text_column_of_numbers_sorts_as_numbers_with_empty_cells_first_and_stably()
    {
        var f = TextFrame("10", "9", "", "-1.5", "9", "1e1", "");
        var sorted = f.SortBy(["s"]);
        Assert.Equal(["", "", "-1.5", "9", "9", "10", "1e1"], sorted.Text["s"]);
        Assert.Equal([2, 6, 3, 1, 4, 0, 5], sorted.RowIds); // equal keys keep their order
        Assert.Equal([2.0, 6, 3, 1, 4, 0, 5], sorted.Numeric["n"]);

        // A zero and an empty cell are not the same key, and two zeros around an empty cell are one.
        Assert.Equal([1, 3, 0, 2], TextFrame("0", "", "0", "-1").SortBy(["s"]).RowIds);

        // By two columns: the second breaks the first's ties.
        var two = new Frame(4, ["s", "n"], new Dictionary<string, double[]> { ["n"] = [2, 1, 0, 3] },
            new Dictionary<string, string[]> { ["s"] = ["b", "a", "b", "a"] }, [0, 1, 2, 3]).SortBy(["s", "n"]);
        Assert.Equal([1, 3, 2, 0], two.RowIds);
    }

    [Fact]
    public void A_frame_already_in_order_is_returned_as_it_is()
    {
        var f = TextFrame("1", "2", "3");
        Assert.Same(f, f.SortBy(["s"]));
        Assert.Same(f, f.SortBy([]));
    }

    private static List<string> FileNotes(string extra)
    {
        using var t = new EngineTestData.TempRoot();
        var path = Path.Combine(t.Path, "nf.csv");
        // An Infinity cell (read as empty) and a byte that is not UTF-8 (0x96, an en dash: the file is read as Windows-1252).
        var text = "x0,x1,const,note,label\n3,0.5,7,a,1\n1,Infinity,7,b,0\n2,-1,7,c,1\n0,2,7,d,0\n5,1.25,7,\u2013,1\n";
        File.WriteAllBytes(path, FileEncoding.Windows1252.GetBytes(text));
        var request = EngineTestData.Request(EngineTestData.BinaryRequest("nf.csv", extra:
            """, "features_to_process": ["x0", "x1", "const"], "categorical_features": [], "non_finite": "empty" """ + extra));
        var warnings = new List<string>();
        var prepared = PreparedData.Load(request, t.Roots, loadTestFile: false, warnings, default);
        Assert.NotNull(prepared.Frame.RowMajor); // all-numeric features: the row-major path, sorted or not
        Assert.Equal(prepared.Frame.Numeric["x0"], prepared.Frame.RowMajor!.Column(0));
        if (extra.Length > 0) Assert.Equal([0.0, 1, 2, 3, 5], prepared.Frame.Numeric["x0"]);
        return warnings.Where(w => w.Contains("NaN/Infinity", StringComparison.Ordinal) || w.Contains("Windows-1252", StringComparison.Ordinal))
            .ToList();
    }

    [Fact]
    public void Sort_values_keeps_the_warnings_about_the_file_read()
    {
        var unsorted = FileNotes("");
        Assert.Equal(2, unsorted.Count);
        Assert.Equal(unsorted, FileNotes(""", "sort_values": ["x0"]"""));
    }
}
