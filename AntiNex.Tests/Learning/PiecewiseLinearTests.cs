using AntiNex.Learning;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>scaler "ple": each numeric column becomes one input per training-quantile bin, monotone in the value, and a
/// model trained with it predicts the same after a round trip through its artifact.</summary>
public class PiecewiseLinearTests
{
    [Fact]
    public void Bins_come_from_training_quantiles_and_encode_monotonically()
    {
        var edges = PiecewiseLinear.Edges(Enumerable.Range(0, 81).Select(i => (double)i).ToArray());
        Assert.Equal(Enumerable.Range(0, 9).Select(i => i * 10.0), edges);
        var code = new float[8];
        PiecewiseLinear.Encode(edges, 25, code);
        Assert.Equal(new[] { 1f, 1f, 0.5f, 0f, 0f, 0f, 0f, 0f }, code);
        PiecewiseLinear.Encode(edges, -10, code); // below the training range: only the first input goes negative
        Assert.Equal(-1f, code[0]);
        Assert.All(code.Skip(1), v => Assert.Equal(0f, v));
        Assert.Single(PiecewiseLinear.Edges([3, 3, 3])); // constant: one edge, a single plain input
    }

    [Fact]
    public void A_ple_model_has_one_input_per_bin_and_predicts_the_same_after_reload()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(300, 21));
        var json = EngineTestData.BinaryRequest(epochs: 3, splits: 0, seed: 4, extra: ", \"scaler\": \"ple\"");
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
        using var model = TrainedModel.Load(outcome.Artifact, EngineTestData.SingleThread);
        // x0, x1: 8 bins each; proto: 3 values + other; const: dropped.
        Assert.Equal(8 + 8 + 4, model.State.NetworkInputs);
        Assert.True(outcome.Report.Accuracy > 80, $"accuracy {outcome.Report.Accuracy}");
        var rows = new List<double[]> { new[] { 1.5, 0.2, 0, 7 }, new[] { -1.0, -0.5, 0, 7 } };
        var first = model.PredictRaw(rows);
        using var again = TrainedModel.Load(model.ToArtifact(), EngineTestData.SingleThread);
        Assert.Equal(first, again.PredictRaw(rows));
    }
}
