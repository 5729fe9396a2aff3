using System.Globalization;
using System.Text;
using AntiNex.Learning;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// <see cref="TrainedModel.PredictRawDecisions"/> (the HTTP service's all-outputs path) must decide every row exactly as a
/// predict request with the same numbers in predict_rows does: value, probability, class name and the unscorable flag,
/// for every kind of model, the novelty detector's calls and rows beyond the clip bound included.
/// </summary>
public class RowDecisionsTests : IClassFixture<BlockScoringTests.Models>
{
    private readonly BlockScoringTests.Models _m;
    public RowDecisionsTests(BlockScoringTests.Models m) => _m = m;

    /// <summary>Rows across and beyond the training range (finite: a request's JSON cannot carry NaN).</summary>
    private static double[][] Rows(int rows, int columns, int seed)
    {
        var rng = new Random(seed);
        var all = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, columns).Select(_ => rng.NextDouble() * 8 - 4).ToArray()).ToArray();
        all[3][0] = 1e6;
        all[5][columns - 1] = -3e30;
        all[8][0] = 0.1;
        return all;
    }

    private static string PredictRowsRequest(TrainedModel model, double[][] rows)
    {
        var s = model.Summary;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $$"""{"label": "{{s.Label}}", "ml_type": "{{s.MlType}}", """);
        sb.Append(CultureInfo.InvariantCulture, $$""" "predict_feature": "{{s.PredictFeature}}", """);
        sb.Append(CultureInfo.InvariantCulture, $$"""  "max_records": {{rows.Length}}, "predict_rows": [""");
        for (int r = 0; r < rows.Length; r++)
        {
            if (r > 0) sb.Append(',');
            sb.Append('{');
            for (int f = 0; f < rows[r].Length; f++)
                sb.Append(CultureInfo.InvariantCulture, $"{(f > 0 ? "," : "")}\"{s.InputFeatures[f]}\": {rows[r][f]:R}");
            sb.Append('}');
        }
        return sb.Append("]}").ToString();
    }

    internal static void AssertSameAsPredictRequest(TrainedModel model, double[][] rows, EngineTestData.TempRoot root)
    {
        var expected = model.Predict(EngineTestData.Request(PredictRowsRequest(model, rows)), root.Roots).Samples.OrderBy(s => s.Row).ToList();
        var actual = model.PredictRawDecisions(rows);
        Assert.Equal(rows.Length, expected.Count);
        Assert.Equal(rows.Length, actual.Count);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(expected[i].Predicted, actual.Values[i]);
            Assert.Equal(expected[i].Probability, actual.Probabilities[i]);
            Assert.Equal(expected[i].LabelName, actual.Names[i]);
            Assert.Equal(expected[i].Unscorable, actual.Unscorable[i]);
        }
    }

    [Theory]
    [InlineData("minmax")]
    [InlineData("standard")]
    [InlineData("categorical")]
    [InlineData("multiclass")]
    [InlineData("regression")]
    public void Every_row_is_decided_as_a_predict_request_decides_it(string name)
    {
        using var model = TrainedModel.Load(_m.Artifacts[name], EngineTestData.SingleThread);
        var rows = Rows(60, model.Summary.InputFeatures.Count, seed: name.Length);
        AssertSameAsPredictRequest(model, rows, _m.Root);
        var decisions = model.PredictRawDecisions(rows);
        Assert.True(decisions.Unscorable[3] && decisions.Unscorable[5], "rows beyond the clip bound are flagged");
        if (name == "regression") Assert.All(decisions.Names, n => Assert.Null(n));
        else Assert.All(decisions.Names, n => Assert.False(string.IsNullOrEmpty(n)));
    }

    [Fact]
    public void No_rows_no_decisions()
    {
        using var model = TrainedModel.Load(_m.Artifacts["minmax"], EngineTestData.SingleThread);
        Assert.Equal(0, model.PredictRawDecisions([]).Count);
    }
}
