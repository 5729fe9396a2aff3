using System.Globalization;
using System.Text;
using Akka.Actor;
using AntiNex.Cluster;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>Through the entity: a model trained with mark_empty 0 serves a later predict that does not name mark_empty with
/// its own 0, also once recovered from its stored state, whose records keep the training's cell rules through the
/// serializer.</summary>
public sealed class TrainedCellRulesEntityTests : EntityTestKit
{
    /// <summary>Inline training rows: class 1 from a = 0 up, some of its a = 0 cells empty (null).</summary>
    private static string TrainJson()
    {
        var rows = new StringBuilder("[");
        var rng = new Random(7);
        for (int i = 0; i < 400; i++)
        {
            int a = i % 8 - 4;
            var cell = a == 0 && i % 5 == 0 ? "null" : a.ToString(CultureInfo.InvariantCulture);
            rows.Append(i == 0 ? "" : ",")
                .Append(CultureInfo.InvariantCulture, $"{{\"a\": {cell}, \"b\": {rng.NextDouble():R}, \"label\": {(a >= 0 ? 1 : 0)}}}");
        }
        return $$"""
            {"label": "cells", "ml_type": "classification", "predict_feature": "label", "features_to_process": ["a", "b"],
             "apply_scaler": true, "seed": 3, "test_size": 0.2, "batch_size": 16, "epochs": 40, "num_splits": 0,
             "loss": "binary_crossentropy", "optimizer": "adam", "learning_rate": 0.01, "mark_empty": 0,
             "model_desc": {"layers": [{"num_neurons": 8, "init": "glorot_uniform", "activation": "relu"},
                                       {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]},
             "predict_rows": {{rows.Append(']')}}}
            """;
    }

    private const string PredictJson =
        """{"label": "cells", "predict_feature": "label", "predict_rows": [{"a": null, "b": 0.5}, {"a": 0, "b": 0.5}, {"a": -1, "b": 0.5}]}""";

    [Fact]
    public async Task A_predict_without_mark_empty_reads_empty_cells_as_the_training_did_also_after_recovery()
    {
        var stopped = CreateTestProbe();
        var entity = Entity("cells", stopped.Ref);
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("cells", TrainJson(), null, "t1"), trainer.Ref);
        var trained = await Final(trainer);
        Assert.True(trained is ModelTrainedReply, $"{trained}");

        foreach (var round in new[] { "trained", "recovered" })
        {
            var p = (await entity.Ask<Predicted>(new PredictModel("cells", PredictJson, RequestId: round), Long)).Result;
            var (empty, zero, minusOne) = (p.Samples[0], p.Samples[1], p.Samples[2]);
            Assert.True(zero.Predicted != minusOne.Predicted, $"{round}: the model answers a = 0 and a = -1 alike: nothing below would show");
            Assert.Equal(zero.Predicted, empty.Predicted);
            Assert.Equal(zero.Probability, empty.Probability);
            Assert.Null(p.Warnings);
            var summary = (await Describe(entity, "cells")).Summary!;
            Assert.Equal(0, summary.MarkEmpty);
            Assert.Equal("error", summary.NonFinite);
            if (round == "recovered") break;
            entity.Tell(StopEntity.Instance);
            await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        }

        // A predict that asks for -1 gets it, and hears that the model was trained with 0.
        var asked = (await entity.Ask<Predicted>(new PredictModel("cells", PredictJson[..^1] + """, "mark_empty": -1}"""), Long)).Result;
        Assert.Equal(asked.Samples[2].Predicted, asked.Samples[0].Predicted);
        Assert.Contains("model was trained with mark_empty 0", Assert.Single(asked.Warnings!));

        // The stored records keep them through the serializer; a record written before they were kept reads -1 and "error".
        var serializer = new AntiNexSerializer((ExtendedActorSystem)Sys);
        var stored = StoredModelSummary.From((await Describe(entity, "cells")).Summary!);
        var metrics = new StoredModelMetrics(0.9, null, null, null, null, null, null, null, null, null, 1, 1, 1);
        var back = (StoredModelTrained)serializer.FromBinary(
            serializer.ToBinary(new StoredModelTrained(1, DateTimeOffset.UnixEpoch, stored, metrics)), "ev-trained.v2");
        Assert.Equal(0, back.Summary.ToEngine().MarkEmpty);
        var old = (StoredModelTrained)serializer.FromBinary(
            serializer.ToBinary(new StoredModelTrained(1, DateTimeOffset.UnixEpoch, stored with { MarkEmpty = null, NonFinite = null },
                metrics)), "ev-trained.v2");
        Assert.Equal((-1.0, "error"), (old.Summary.ToEngine().MarkEmpty, old.Summary.ToEngine().NonFinite));
    }
}
