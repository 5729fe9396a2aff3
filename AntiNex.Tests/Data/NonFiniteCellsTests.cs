using AntiNex.Data;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Requests;

namespace AntiNex.Tests.Data;

/// <summary>non_finite: NaN and Infinity cells (flow exporters write Infinity for a rate over a zero duration) are refused by
/// default, naming the column, the row and the option; with "empty" every reader (training CSV, predict_rows, the
/// gateway's CSV stream and its bulk packer) reads them as an empty cell, and the loader counts them per column.</summary>
public class NonFiniteCellsTests
{
    private static readonly ColumnPlan[] Plan =
    [
        new("a", ColumnKind.Numeric, "features_to_process"),
        new("b", ColumnKind.Numeric, "features_to_process"),
        new("y", ColumnKind.Numeric, "predict_feature"),
    ];

    private const string Csv = "a,b,y\n1,2,0\nNaN,Infinity,1\n-Infinity,inf,0\n-inf,1e400,1\n3,+Inf,0\n";

    [Fact]
    public void With_empty_every_spelling_reads_as_mark_empty_and_is_counted_per_column()
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("flows.csv", Csv);
        var rules = new CellRules(-5, NonFiniteAsEmpty: true);
        foreach (var rowMajor in new IReadOnlyList<string>?[] { null, ["a", "b"] })
        {
            var f = CsvLoader.Load(path, Plan, true, null, rules, rowMajor: rowMajor);
            Assert.Equal([1.0, -5, -5, -5, 3], f.Numeric["a"]);
            Assert.Equal([2.0, -5, -5, -5, -5], f.Numeric["b"]);
            Assert.Equal(3, f.NonFiniteRead["a"]);
            Assert.Equal(4, f.NonFiniteRead["b"]);
            Assert.False(f.NonFiniteRead.ContainsKey("y"));
        }
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-Infinity")]
    [InlineData("inf")]
    [InlineData("1e400")]
    public void By_default_they_are_refused_naming_the_column_the_row_and_the_option(string cell)
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("flows.csv", $"a,b,y\n1,2,0\n4,{cell},1\n");
        var e = Assert.Throws<RequestException>(() => CsvLoader.Load(path, Plan, true, null, CellRules.Default));
        Assert.Equal("features_to_process", e.Issues[0].Field);
        Assert.Contains("column 'b' row 1", e.Message);
        Assert.Contains("\"non_finite\": \"empty\"", e.Message);
    }

    [Fact]
    public void The_request_field_takes_error_or_empty_and_names_itself_otherwise()
    {
        const string Base = """{"label": "x", "dataset": "d.csv", "predict_feature": "y", "features_to_process": ["a"]""";
        Assert.False(EngineTestData.Request(Base + "}").NonFiniteAsEmpty);
        Assert.False(EngineTestData.Request(Base + """, "non_finite": "error"}""").NonFiniteAsEmpty);
        var request = EngineTestData.Request(Base + """, "non_finite": "empty", "mark_empty": -9}""");
        Assert.Equal(new CellRules(-9, true), CellRules.Of(request));
        var e = Assert.Throws<RequestException>(() => EngineTestData.Request(Base + """, "non_finite": "zero"}"""));
        Assert.Contains(e.Issues, i => i.Field == "non_finite" && i.Message.Contains("\"zero\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Predict_rows_follow_the_same_rule()
    {
        var rows = AntiNexRequest.Parse(
            """{"predict_feature": "y", "predict_rows": [{"a": "Infinity", "b": "NaN", "y": 0}, {"a": 1, "b": "-inf", "y": 1}]}""", out _)
            .PredictRows!;
        var f = Frame.FromPredictRows(rows, Plan, new CellRules(-1, true));
        Assert.Equal([-1.0, 1], f.Numeric["a"]);
        Assert.Equal([-1.0, -1], f.Numeric["b"]);
        Assert.Equal(2, f.NonFiniteRead["b"]);
        var e = Assert.Throws<RequestException>(() => Frame.FromPredictRows(rows, Plan, CellRules.Default));
        Assert.Contains("column 'a'", e.Message);
        Assert.Contains("non_finite", e.Message);
    }

    [Fact]
    public void The_gateways_csv_stream_and_bulk_packer_read_them_as_the_engine_does()
    {
        using var t = new EngineTestData.TempRoot();
        var path = t.Write("rows.csv", "b,a\nInfinity,1\n2,NaN\n");
        var block = new float[4];
        using (var reader = new CsvRowReader(path, ["a", "b"], new CellRules(-1, true)))
        {
            Assert.Equal(2, reader.Read(block));
            Assert.Equal([1f, -1, -1, 2], block);
        }
        using (var strict = new CsvRowReader(path, ["a", "b"]))
        {
            var e = Assert.Throws<UsageException>(() => strict.Read(block));
            Assert.Contains("column 'b'", e.Message);
            Assert.Contains("--non-finite empty", e.Message);
        }

        using var json = System.Text.Json.JsonDocument.Parse("""[{"a": "inf", "b": 1}, {"a": 2, "b": "NaN"}]""");
        Assert.Equal([-7f, 1, 2, -7], PredictRowsPacker.Pack(json.RootElement, ["a", "b"], "y", new CellRules(-7, true)).Values);
        var refused = Assert.Throws<RequestException>(() => PredictRowsPacker.Pack(json.RootElement, ["a", "b"], "y", CellRules.Default));
        Assert.Contains("row 0 column 'a'", refused.Message);
    }
}
