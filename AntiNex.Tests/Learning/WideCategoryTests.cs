using System.Globalization;
using System.Text;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// A categorical column of thousands of values (an address, a port, an id) one-hots into at most
/// <see cref="FeaturePipeline.MaxCategories"/> inputs plus "other": its most frequent values, whatever the row order. A
/// warning says so. Without the cap such a column made a matrix of gigabytes before any model saw it.
/// </summary>
public class WideCategoryTests
{
    /// <summary>Ten frequent ports (p0-p9, which decide the class with x) and one unique port per row on the other half.</summary>
    private static string PortsCsv(int rows, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("port,x,label\n");
        for (int i = 0; i < rows; i++)
        {
            var port = i % 2 == 0 ? $"p{i / 2 % 10}" : $"u{i:D5}";
            int label = (i % 2 == 0 && i / 2 % 10 < 3) || rng.NextDouble() < 0.1 ? 1 : 0;
            sb.Append(CultureInfo.InvariantCulture, $"{port},{label + rng.NextDouble():R},{label}\n");
        }
        return sb.ToString();
    }

    private const string Request = """
        {"label": "Ports", "dataset": "train.csv", "predict_feature": "label", "features_to_process": ["port", "x"],
         "categorical_features": ["port"], "model_kind": "fast_tree", "seed": 2}
        """;

    private static (TrainingOutcome Outcome, IReadOnlyList<string> Vocabulary) Train(string csv)
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("train.csv", csv);
        var outcome = TrainingEngine.Train(EngineTestData.Request(Request), t.Roots, EngineTestData.SingleThread, null, default);
        using var model = TrainedModel.Load(outcome.Artifact);
        return (outcome, model.State.Pipeline.Features.Single(f => f.Name == "port").Vocabulary);
    }

    [Fact]
    public void A_wide_categorical_column_keeps_its_most_frequent_values_and_says_so()
    {
        var csv = PortsCsv(3000, 1);
        var (outcome, vocabulary) = Train(csv);

        Assert.Equal(FeaturePipeline.MaxCategories, vocabulary.Count);
        Assert.All(Enumerable.Range(0, 10), p => Assert.Contains($"p{p}", vocabulary)); // the frequent ports, every one
        Assert.Equal(vocabulary.Order(StringComparer.Ordinal), vocabulary);
        Assert.Contains(outcome.Report.Warnings, w => w.Contains("'port' has 1,510 distinct values in the training data's 3,000 rows",
            StringComparison.Ordinal) && w.Contains("consider ignore_features", StringComparison.Ordinal));

        // The same fitting rows in another order keep the same values (the rare ones tie at one row each: kept by name).
        var ports = csv.TrimEnd('\n').Split('\n')[1..].Select(l => l.Split(',')[0]).ToArray();
        var frame = new Frame(ports.Length, ["port"], new Dictionary<string, double[]>(), new Dictionary<string, string[]> { ["port"] = ports },
            Enumerable.Range(0, ports.Length).ToArray());
        var request = EngineTestData.Request(Request);
        var rows = Enumerable.Range(0, ports.Length).Where(i => i % 3 != 0).ToArray();
        var forward = FeaturePipeline.Fit(frame, rows, ["port"], request).Features[0].Vocabulary;
        var backward = FeaturePipeline.Fit(frame, rows.Reverse().ToArray(), ["port"], request).Features[0].Vocabulary;
        Assert.Equal(FeaturePipeline.MaxCategories, forward.Count);
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void A_numeric_category_written_another_way_finds_its_one_hot_input()
    {
        // A float column exported as "6.0": the number 6 given at predict time, or "06", is the same category; a category
        // written in training keeps its own input ("6" and "6.0" both seen stay apart), and other text is "other".
        var codes = new[] { "6.0", "17.0", "1.10", "1.1", "tcp" };
        var frame = new Frame(codes.Length, ["proto"], new Dictionary<string, double[]>(), new Dictionary<string, string[]> { ["proto"] = codes },
            Enumerable.Range(0, codes.Length).ToArray());
        var request = EngineTestData.Request(Request.Replace("\"port\"", "\"proto\""));
        var pipeline = FeaturePipeline.Fit(frame, Enumerable.Range(0, codes.Length).ToArray(), ["proto"], request);
        var vocabulary = pipeline.Features[0].Vocabulary;
        int Hot(float[] x) => Array.IndexOf(x, 1f);
        Assert.Equal(vocabulary.ToList().IndexOf("6.0"), Hot(pipeline.TransformRaw([[6.0]])));
        Assert.Equal(vocabulary.ToList().IndexOf("17.0"), Hot(pipeline.TransformRaw([[17.0]])));
        Assert.Equal(vocabulary.ToList().IndexOf("1.1"), Hot(pipeline.TransformRaw([[1.1]])));
        var written = new Dictionary<string, string[]> { ["proto"] = ["06", "1.10", "udp"] };
        var asText = new Frame(3, ["proto"], new Dictionary<string, double[]>(), written, [0, 1, 2]);
        var x = pipeline.Transform(asText, [0, 1, 2]);
        int w = pipeline.Width;
        Assert.Equal(vocabulary.ToList().IndexOf("6.0"), Hot(x[..w]));
        Assert.Equal(vocabulary.ToList().IndexOf("1.10"), Hot(x[w..(2 * w)]));
        Assert.Equal(vocabulary.Count, Hot(x[(2 * w)..])); // "other"
    }

    [Fact]
    public void Predicted_categories_the_training_rows_never_held_are_named_in_a_warning()
    {
        using var t = new EngineTestData.TempRoot();
        var rng = new Random(3);
        t.Write("train.csv", "proto,x,label\n" + string.Concat(Enumerable.Range(0, 200).Select(i =>
            $"{(i % 2 == 0 ? "tcp" : "udp")},{(i % 3 == 0 ? 3 : 0) + rng.NextDouble():F3},{(i % 3 == 0 ? 1 : 0)}\n")));
        var request = Request.Replace("\"port\"", "\"proto\"", StringComparison.Ordinal);
        var outcome = TrainingEngine.Train(EngineTestData.Request(request), t.Roots, EngineTestData.SingleThread, null, default);
        using var model = TrainedModel.Load(outcome.Artifact);

        t.Write("later.csv", "proto,x,label\ntcp,0.5,0\nTCP,0.4,0\nicmp,3.5,1\nTCP,3.2,1\n");
        var p = model.Predict(EngineTestData.Request("""{"label": "Ports", "dataset": "later.csv", "predict_feature": "label"}"""), t.Roots);
        var warning = Assert.Single(p.Warnings!);
        Assert.Equal("dataset: categorical feature 'proto' has 3 rows with values its training rows never held, read as its 'other' input: " +
            "'TCP' (2), 'icmp' (1); the training rows held 'tcp', 'udp'", warning);
        Assert.Equal(4, p.Rows);

        t.Write("known.csv", "proto,x,label\ntcp,0.5,0\nudp,3.5,1\n");
        Assert.Null(model.Predict(EngineTestData.Request("""{"label": "Ports", "dataset": "known.csv", "predict_feature": "label"}"""),
            t.Roots).Warnings);
    }

    /// <summary>A pipeline trained on "tcp" and "udp" in a "proto" column.</summary>
    private static FeaturePipeline TcpUdp()
    {
        string[] codes = ["tcp", "udp", "tcp", "udp"];
        var frame = new Frame(codes.Length, ["proto"], new Dictionary<string, double[]>(), new Dictionary<string, string[]> { ["proto"] = codes },
            Enumerable.Range(0, codes.Length).ToArray());
        return FeaturePipeline.Fit(frame, [0, 1, 2, 3], ["proto"], EngineTestData.Request(Request.Replace("\"port\"", "\"proto\"")));
    }

    private static Frame Protos(params string[] cells)
        => new(cells.Length, ["proto"], new Dictionary<string, double[]>(), new Dictionary<string, string[]> { ["proto"] = cells },
            Enumerable.Range(0, cells.Length).ToArray());

    [Fact]
    public void An_unseen_value_is_quoted_truncated_and_empty_cells_are_counted_not_listed()
    {
        var pipeline = TcpUdp();
        var warning = Assert.Single(pipeline.UnseenCategoryWarnings(Protos(new string('x', 5000), "", "tcp", ""), "dataset"));
        Assert.Equal("dataset: categorical feature 'proto' has 3 rows with values its training rows never held, read as its 'other' input: " +
            $"'{new string('x', 40)}...' (1), 2 empty cells; the training rows held 'tcp', 'udp'", warning);
    }

    [Fact]
    public void A_column_of_unseen_ids_counts_a_bounded_number_of_values_and_all_its_rows()
    {
        var pipeline = TcpUdp();
        var ids = Enumerable.Range(0, 20_000).Select(i => i < 100 ? "icmp" : $"id{i}").ToArray();
        var warning = Assert.Single(pipeline.UnseenCategoryWarnings(Protos(ids), "predict_rows"));
        Assert.StartsWith("predict_rows: categorical feature 'proto' has 20,000 rows with values its training rows never held, read as " +
            "its 'other' input: 'icmp' (100), 'id100' (1), ", warning);
        Assert.Contains($", ... (more than {UnseenCategory.MaxCounted:N0} values); the training rows held 'tcp', 'udp'", warning);
    }

    [Fact]
    public void Blocks_of_one_predict_add_up_to_the_warning_its_rows_give_sent_at_once()
    {
        var pipeline = TcpUdp();
        string[] first = ["sctp", "tcp", "", "gre"], second = ["udp", "sctp", "", "", "icmp"];
        var tally = new UnseenTally();
        tally.Add(pipeline.UnseenCategories(Protos(first)));
        tally.Add(pipeline.UnseenCategories(Protos([.. second.Select(_ => "tcp")]))); // a block with nothing unseen
        tally.Add(pipeline.UnseenCategories(Protos(second)));
        var merged = Assert.Single(tally.Warnings("predict_rows"));
        Assert.Equal(Assert.Single(pipeline.UnseenCategoryWarnings(Protos([.. first, .. second]), "predict_rows")), merged);
        Assert.Equal("predict_rows: categorical feature 'proto' has 7 rows with values its training rows never held, read as its 'other' " +
            "input: 'sctp' (2), 'gre' (1), 'icmp' (1), 3 empty cells; the training rows held 'tcp', 'udp'", merged);
    }

    [Fact]
    public void Blocks_of_unseen_ids_count_a_bounded_number_of_values_in_all_and_every_row()
    {
        var pipeline = TcpUdp();
        var tally = new UnseenTally();
        // Long ids, each cut as a message quotes it: those alike in their first 40 characters are one value.
        var prefix = new string('i', 40);
        for (int block = 0; block < 3; block++)
            tally.Add(pipeline.UnseenCategories(Protos([.. Enumerable.Range(0, 200).Select(i => $"{prefix}{block * 200 + i}"), "sctp"])));
        var counted = Assert.Single(tally.Merged);
        Assert.Equal((603L, 0L, 2), (counted.Rows, counted.Empty, counted.Values.Count));
        Assert.Equal(600, counted.Values[prefix + "..."]);

        tally = new UnseenTally();
        for (int block = 0; block < 3; block++)
            tally.Add(pipeline.UnseenCategories(Protos([.. Enumerable.Range(0, 200).Select(i => $"id{block * 200 + i}"), ""])));
        counted = Assert.Single(tally.Merged);
        Assert.Equal((603L, 3L, UnseenCategory.MaxCounted), (counted.Rows, counted.Empty, counted.Values.Count));
        Assert.Equal(600 - UnseenCategory.MaxCounted, counted.Uncounted);
        Assert.Contains($"'id0' (1), 'id1' (1), 'id10' (1), 'id100' (1), ", counted.Warning("dataset"));
        Assert.EndsWith($", ... (more than {UnseenCategory.MaxCounted:N0} values), 3 empty cells; the training rows held 'tcp', 'udp'",
            counted.Warning("dataset"));
    }

    [Fact]
    public void Blocks_warn_of_their_features_in_the_models_order_whichever_block_held_their_values_first()
    {
        UnseenCategory Flag(long rows) => new("flag", rows, 0, new Dictionary<string, long> { ["XX"] = rows }, ["SF"], 1);
        var tally = new UnseenTally(["proto", "size", "flag"]);
        tally.Add([Flag(2)]);
        tally.Add([new UnseenCategory("proto", 1, 0, new Dictionary<string, long> { ["sctp"] = 1 }, ["tcp"], 1), Flag(3)]);
        Assert.Equal([("proto", 1L), ("flag", 5L)], tally.Merged.Select(u => (u.Feature, u.Rows)));
        Assert.Equal(5, tally.Merged[1].Values["XX"]);
    }
}
