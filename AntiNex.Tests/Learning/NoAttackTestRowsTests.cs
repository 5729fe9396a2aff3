using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AntiNex.Gateway.Commands;
using AntiNex.Learning;
using AntiNex.Tests.Data;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Learning;

/// <summary>
/// A binary model scored on test rows that hold no attack, and of which it flags none: the attack class's precision,
/// recall and F1 are 0/0. The per-class table showed "-" while the headline showed 0.0000, which reads as a model that
/// missed every attack; the headline is now undefined too (null in JSON, "-" in the tables).
/// </summary>
public class NoAttackTestRowsTests
{
    /// <summary>Benign rows deep in the benign blob (x0 + x1 well below 0): the model flags none of them.</summary>
    private static string BenignRows(int rows)
    {
        var sb = new StringBuilder("x0,x1,proto,const,label\n");
        for (int i = 0; i < rows; i++)
            sb.Append(CultureInfo.InvariantCulture, $"{-1.5 - i % 5 * 0.1:R},{-1.6 - i % 3 * 0.1:R},{(i % 2 == 0 ? "tcp" : "udp")},7,0\n");
        return sb.ToString();
    }

    private static (EngineTestData.TempRoot Root, string Request) Data()
    {
        var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(240, 8));
        t.Write("benign.csv", BenignRows(40));
        return (t, EngineTestData.BinaryRequest(epochs: 6, splits: 0, extra: """, "test_dataset": "benign.csv" """));
    }

    [Fact]
    public void The_headline_precision_recall_and_f1_are_undefined_as_the_attack_class_row_is()
    {
        var (t, json) = Data();
        using var root = t;
        var outcome = TrainingEngine.Train(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, CancellationToken.None);
        var r = outcome.Report;
        var attack = r.PerClass!.Single(c => c.Class == "attack");
        Assert.Equal((0, 0), (attack.Support, attack.Predicted)); // the per-class table's "-"
        Assert.Null(r.Precision);
        Assert.Null(r.Recall);
        Assert.Null(r.F1);
        Assert.Equal(100, r.Accuracy!.Value, 9); // what is defined stays reported

        // JSON: null, as the headline of a regression; the key stays, so the document keeps its shape.
        var doc = TrainCommand.ToJson(outcome);
        foreach (var key in new[] { "precision", "recall", "f1" })
        {
            Assert.True(doc.ContainsKey(key), key);
            Assert.Null(doc[key]);
        }

        // With attack rows in the test split the headline is a number as before.
        var usual = TrainingEngine.Train(EngineTestData.Request(EngineTestData.BinaryRequest(epochs: 6, splits: 0)), t.Roots,
            EngineTestData.SingleThread, null, CancellationToken.None).Report;
        Assert.NotNull(usual.Precision);
        Assert.NotNull(usual.Recall);
        Assert.NotNull(usual.F1);
    }

    [Fact]
    public void The_local_train_table_shows_a_dash_for_them()
    {
        var (t, json) = Data();
        using var root = t;
        var request = t.Write("q.json", json);
        var run = GatewayProcess.Run(TimeSpan.FromSeconds(120), "train", "--local", "-f", request, "--data-root", t.Path);
        Assert.True(run.ExitCode == 0, run.Stderr);
        foreach (var metric in new[] { "precision", "recall", "F1" })
            Assert.Matches(new Regex($@"(?m)^[^\w-]*{metric}[^\w-]+-[^\w-]*$"), run.Stdout);
        Assert.DoesNotMatch(new Regex(@"(?m)^[^\w-]*precision[^\w-]+0\.0000[^\w-]*$"), run.Stdout);
    }
}
