using System.Globalization;
using System.Text;
using Akka.Actor;
using AntiNex.Learning;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>Through the entity: the rows of one predict sent as two blocks, each with values its model's training rows never
/// held, get answers whose counts add up to the warning the same rows sent at once give (rows and values of both blocks);
/// a predict that does not ask for the counts gets none beside its warning.</summary>
public sealed class UnseenBlocksEntityTests : EntityTestKit
{
    private static string TrainJson()
    {
        var rows = new StringBuilder("[");
        var rng = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            var proto = i % 2 == 0 ? "tcp" : "udp";
            rows.Append(i == 0 ? "" : ",")
                .Append(CultureInfo.InvariantCulture, $"{{\"proto\": \"{proto}\", \"b\": {rng.NextDouble():R}, \"label\": {i % 2}}}");
        }
        return $$"""
            {"label": "protos", "ml_type": "classification", "predict_feature": "label", "features_to_process": ["proto", "b"],
             "categorical_features": ["proto"], "apply_scaler": true, "seed": 3, "test_size": 0.2, "batch_size": 16, "epochs": 5,
             "num_splits": 0, "loss": "binary_crossentropy", "optimizer": "adam",
             "model_desc": {"layers": [{"num_neurons": 4, "init": "glorot_uniform", "activation": "relu"},
                                       {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]},
             "predict_rows": {{rows.Append(']')}}}
            """;
    }

    private static string PredictJson(params string[] protos) =>
        """{"label": "protos", "predict_feature": "label", "predict_rows": [""" +
        string.Join(", ", protos.Select(p => $$"""{"proto": "{{p}}", "b": 0.5}""")) + "]}";

    [Fact]
    public async Task Two_blocks_of_unseen_values_add_up_to_the_warning_of_their_rows_sent_at_once()
    {
        var entity = Entity("protos", CreateTestProbe().Ref);
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("protos", TrainJson(), null, "t1"), trainer.Ref);
        var trained = await Final(trainer);
        Assert.True(trained is ModelTrainedReply, $"{trained}");

        string[] first = ["sctp", "tcp", "gre"], second = ["sctp", "", "icmp", "udp"];
        var tally = new UnseenTally();
        foreach (var block in new[] { first, second })
        {
            var answer = await entity.Ask<Predicted>(new PredictModel("protos", PredictJson(block), CountUnseen: true), Long);
            tally.Add(Assert.IsAssignableFrom<IReadOnlyList<UnseenCategory>>(answer.Unseen));
        }
        var atOnce = await entity.Ask<Predicted>(new PredictModel("protos", PredictJson([.. first, .. second])), Long);
        Assert.Null(atOnce.Unseen);
        var warning = Assert.Single(atOnce.Result.Warnings!);
        Assert.Equal([warning], tally.Warnings("predict_rows"));
        Assert.Equal("predict_rows: categorical feature 'proto' has 5 rows with values its training rows never held, read as its " +
            "'other' input: 'sctp' (2), 'gre' (1), 'icmp' (1), 1 empty cells; the training rows held 'tcp', 'udp'", warning);
    }
}
