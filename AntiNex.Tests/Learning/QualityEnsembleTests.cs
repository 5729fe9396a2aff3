using AntiNex.Learning;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>ensemble.seeds: N networks trained from N seeds, stored and served as ONE artifact that averages them.</summary>
public class QualityEnsembleTests
{
    [Fact]
    public void An_ensemble_is_one_artifact_whose_output_is_the_mean_of_its_members()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(300, 41));
        string Req(string extra) => EngineTestData.BinaryRequest(epochs: 4, splits: 0, seed: 6, extra: """, "validation_split": 0.2""" + extra);
        var single = TrainingEngine.Train(EngineTestData.Request(Req("")), t.Roots, EngineTestData.SingleThread, null, default);
        var ticks = new List<TrainingProgress>();
        var ens = TrainingEngine.Train(EngineTestData.Request(Req(""", "ensemble": {"seeds": 3}""")), t.Roots, EngineTestData.SingleThread,
            new SyncProgress(ticks.Add), default);
        Assert.Equal(3, ens.Report.EnsembleSize);
        Assert.Equal(8, ticks.Count(p => p.Phase == "ensemble")); // members 2 and 3, 4 epochs each
        Assert.True(ens.Report.Accuracy > 80, $"accuracy {ens.Report.Accuracy}");

        var (state, weights) = ArtifactFormat.Read(ens.Artifact);
        var singleWeights = ArtifactFormat.Read(single.Artifact).Weights;
        Assert.Equal(3, state.EnsembleSize);
        Assert.Equal(3 * singleWeights.Count, weights.Count);
        // member 1 is exactly the single network of the same request
        foreach (var w in singleWeights) Assert.Equal(w.Data, weights.Single(x => x.Name == w.Name).Data);

        using var model = TrainedModel.Load(ens.Artifact);
        var rows = Enumerable.Range(0, 30).Select(i => new double[] { i / 15.0 - 1, 0.1, 2, 7 }).ToList();
        var x = model.State.Pipeline.TransformRaw(rows);
        var mean = model.ForwardLocked(x, rows.Count);
        var perMember = new List<float[]>();
        foreach (var prefix in new[] { "", "members.0.", "members.1." })
        {
            var own = weights.Where(w => prefix == "" ? !w.Name.StartsWith("members.", StringComparison.Ordinal)
                : w.Name.StartsWith(prefix, StringComparison.Ordinal))
                .Select(w => (w.Name[prefix.Length..], w.Shape, w.Data)).ToList();
            using var net = new DenseNetwork(state.NetworkInputs, state.Layers, null);
            net.ImportWeights(own);
            net.eval();
            perMember.Add(Trainer.Forward(net, x, rows.Count, state.NetworkInputs));
        }
        Assert.NotEqual(perMember[0], perMember[1]); // different seeds, different networks
        for (int i = 0; i < rows.Count; i++)
            Assert.Equal(perMember.Average(p => p[i]), mean[i], 5);
        // served predictions are the ensemble's, bit-identical after a reload
        using var again = TrainedModel.Load(model.ToArtifact());
        Assert.Equal(model.PredictRaw(rows), again.PredictRaw(rows));
    }
}
