using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Requests;

namespace AntiNex.Tests.Data;

/// <summary>Rows that lack cells (a CSV row short of its header's fields, a predict_rows row without a key) read those
/// cells as empty, as pandas reads them as missing values, and the caller is told how many rows and the first one.</summary>
public class IncompleteRowsTests
{
    private static readonly ColumnPlan[] Plan =
    [
        new("a", ColumnKind.Numeric, "features_to_process"),
        new("kind", ColumnKind.Text, "features_to_process"),
        new("y", ColumnKind.Numeric, "predict_feature"),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the row-major store of an all-numeric training file fills its cells on its own path
    public void Csv_rows_short_of_the_header_read_empty_cells_and_name_the_count_and_the_first(bool rowMajor)
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("short.csv", "y,kind,a\n0,tcp,1\n1\n0,udp\n1,tcp,4\n");
        var f = CsvLoader.Load(path, Plan, true, null, new CellRules(-7), rowMajor: rowMajor ? ["a"] : null);
        Assert.Equal([1.0, -7, -7, 4], f.Numeric["a"]);
        Assert.Equal(["tcp", "", "udp", "tcp"], f.Text["kind"]);
        var s = Assert.IsType<ShortRows>(f.ShortRows);
        Assert.Equal((2L, 1, 3L, 1, 3), (s.Count, s.FirstRow, s.FirstLine, s.Fields, s.Expected));
        Assert.Equal("dataset short.csv: 2 rows have fewer fields than the header's 3; the missing cells were read as empty (mark_empty " +
            "for a number); the first is row 1 (line 3 of the file), with 1 field", Assert.Single(f.IncompleteRowWarnings()));
        Assert.Same(s, f.SortBy(["a"]).ShortRows); // the note outlives sorting
        var whole = t.Write("whole.csv", "y,kind,a\n0,tcp,1\n1,udp,2,\n");
        Assert.Null(CsvLoader.Load(whole, Plan, true, null, CellRules.Default).ShortRows); // a trailing separator is not a short row
    }

    [Fact]
    public void Predict_rows_without_a_key_read_empty_cells_and_name_the_count_and_the_keys()
    {
        var rows = AntiNexRequest.Parse("""
            {"predict_feature": "y", "predict_rows": [{"a": 1, "kind": "tcp", "y": 0}, {"kind": "udp", "y": 1}, {"y": 1},
             {"a": null, "kind": "tcp", "y": 0}]}
            """, out _).PredictRows!;
        var f = Frame.FromPredictRows(rows, Plan, new CellRules(-7));
        Assert.Equal([1.0, -7, -7, -7], f.Numeric["a"]);
        Assert.Equal(["tcp", "udp", "", "tcp"], f.Text["kind"]);
        var m = Assert.IsType<MissingKeys>(f.MissingKeys);
        Assert.Equal((2, 1), (m.Rows, m.FirstRow)); // a null is an empty cell written as such, not a missing key
        Assert.Equal(["a", "kind"], m.Keys);
        Assert.Equal("predict_rows: 2 rows lack keys 'a', 'kind'; the missing cells were read as empty (mark_empty for a number); " +
            "the first is row 1", Assert.Single(f.IncompleteRowWarnings()));
        var complete = AntiNexRequest.Parse("""{"predict_feature": "y", "predict_rows": [{"a": 1, "kind": "tcp", "y": 0}]}""", out _);
        Assert.Null(Frame.FromPredictRows(complete.PredictRows!, Plan, CellRules.Default).MissingKeys);
        // A predict's target is optional: a row without it is left out of the accuracy, nothing is read in its place.
        var unlabelled = AntiNexRequest.Parse(
            """{"predict_feature": "y", "predict_rows": [{"a": 1, "kind": "tcp", "y": 0}, {"a": 2, "kind": "udp"}]}""", out _);
        ColumnPlan[] optional = [Plan[0], Plan[1], Plan[2] with { Required = false }];
        Assert.Null(Frame.FromPredictRows(unlabelled.PredictRows!, optional, CellRules.Default).MissingKeys);
    }

    [Fact]
    public void A_bad_predict_rows_cell_is_named_under_predict_rows_and_a_missing_column_names_the_keys_the_rows_have_instead()
    {
        var text = AntiNexRequest.Parse("""{"predict_feature": "y", "predict_rows": [{"a": "abc", "kind": "tcp", "y": 0}]}""", out _);
        var cell = Assert.Single(Assert.Throws<RequestException>(() => Frame.FromPredictRows(text.PredictRows!, Plan, CellRules.Default)).Issues);
        Assert.Equal("predict_rows", cell.Field); // the rows' cell is at fault, not the model's list of features
        Assert.StartsWith("predict_rows column 'a' row 0: 'abc' is not numeric", cell.Message);

        // A misspelt key: the column the rows lack, and the key they have in its place.
        var typo = AntiNexRequest.Parse("""{"predict_feature": "y", "predict_rows": [{"aX": 1, "kind": "tcp", "y": 0}]}""", out _);
        var missing = Assert.Single(Assert.Throws<RequestException>(() => Frame.FromPredictRows(typo.PredictRows!, Plan, CellRules.Default)).Issues);
        Assert.Equal("predict_rows lack the column 'a' (columns: aX, kind, y); the rows' keys that are not read: 'aX'", missing.Message);
    }

    [Fact]
    public void Missing_keys_beyond_the_first_few_are_counted()
    {
        var plan = Enumerable.Range(0, 8).Select(i => new ColumnPlan($"f{i}", ColumnKind.Numeric, "features_to_process")).ToList();
        var rows = new PredictRows(plan.Select(p => p.Name).ToList(),
            [plan.ToDictionary(p => p.Name, object? (_) => 1.0), new Dictionary<string, object?>()]);
        var warning = Assert.Single(Frame.FromPredictRows(rows, plan, CellRules.Default).IncompleteRowWarnings());
        Assert.StartsWith("predict_rows: 1 row lacks keys 'f0', 'f1', 'f2', 'f3', 'f4', ... (8 keys);", warning);
    }

    [Fact]
    public void The_training_report_warns_of_short_csv_rows_and_of_predict_rows_without_a_key_or_with_infinity()
    {
        using var t = new EngineTestData.TempRoot();
        var rows = string.Concat(Enumerable.Range(0, 40).Select(i => i == 5 ? $"{i % 2},{i}\n" : $"{i % 2},{i},{i * 2 % 7}\n"));
        t.Write("short.csv", "label,x0,x1\n" + rows);
        const string Request = """
            {"label": "gaps", "dataset": "short.csv", "predict_feature": "label", "features_to_process": ["x0", "x1"], "epochs": 1,
             "num_splits": 2, "non_finite": "empty",
             "predict_rows": [{"x0": 1, "x1": 2, "label": 1}, {"x0": 1, "label": 0}, {"x0": "Infinity", "x1": 2, "label": 0}]}
            """;
        var outcome = TrainingEngine.Train(EngineTestData.Request(Request), t.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        Assert.Contains(outcome.Report.Warnings, w => w.StartsWith(
            "dataset short.csv: 1 row has fewer fields than the header's 3;", StringComparison.Ordinal) && w.EndsWith(
            "the first is row 5 (line 7 of the file), with 2 fields", StringComparison.Ordinal));
        Assert.Contains(outcome.Report.Warnings, w => w.StartsWith("predict_rows: 1 row lacks key 'x1';", StringComparison.Ordinal));
        // The rows predicted beside the dataset are said of as the dataset's own rows are.
        Assert.Contains("predict_rows: 1 NaN/Infinity cells read as empty (-1, non_finite \"empty\"): 'x0' 1", outcome.Report.Warnings);
        Assert.Equal(3, outcome.Predictions!.Rows); // the rows are still predicted, the missing and infinite cells read as empty
    }
}
