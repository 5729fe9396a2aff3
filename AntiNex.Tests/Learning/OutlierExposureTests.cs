using AntiNex.Learning;
using AntiNex.Learning.Trees;
using AntiNex.Requests;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>
/// Outlier exposure: the synthetic not-normal rows keep every real row, are labelled attack, stay inside the training
/// ranges and one-hot shapes, come from a normal row with the given share of its features replaced, and are the same for
/// a seed. A tree fitted with them calls traffic unlike every training row an attack where the plain tree calls it normal.
/// </summary>
public class OutlierExposureTests
{
    // Columns: seven numeric, then a 3-wide one-hot. Normal rows in [0, 1] everywhere; the known attacks have x0 in [2, 3]
    // and spread over [0, 3] in the other numeric columns, so x0 alone separates them.
    private static readonly int[] Widths = [1, 1, 1, 1, 1, 1, 1, 3];

    private static TensorData Rows(int normal, int attack, int seed)
    {
        var rng = new Random(seed);
        int n = normal + attack, w = Widths.Sum();
        var x = new float[n * w];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            bool isAttack = i >= normal;
            var r = x.AsSpan(i * w, w);
            r[0] = (float)(isAttack ? 2 + rng.NextDouble() : rng.NextDouble());
            for (int j = 1; j < 7; j++) r[j] = (float)(isAttack ? 3 * rng.NextDouble() : rng.NextDouble());
            r[7 + rng.Next(3)] = 1;
            y[i] = isAttack ? 1 : 0;
        }
        return new TensorData(x, n, w, y, null);
    }

    [Fact]
    public void Synthetic_rows_are_attack_labelled_in_range_and_a_quarter_changed_from_a_normal_row()
    {
        var train = Rows(200, 100, 1);
        var exposed = OutlierExposure.Augment(train, Widths, normal: 0, attack: 1, share: 0.25, seed: 7);
        int w = train.Width;
        Assert.Equal(300 + 200, exposed.Rows);
        Assert.Equal(train.X, exposed.X[..(300 * w)]); // every real row kept, in order
        Assert.Equal(train.Classes, exposed.Classes![..300]);
        Assert.All(exposed.Classes[300..], c => Assert.Equal(1, c));
        var lo = Enumerable.Range(0, w).Select(j => Enumerable.Range(0, 300).Min(i => train.X[i * w + j])).ToArray();
        var hi = Enumerable.Range(0, w).Select(j => Enumerable.Range(0, 300).Max(i => train.X[i * w + j])).ToArray();
        var normals = Enumerable.Range(0, 200).ToArray();
        for (int s = 300; s < exposed.Rows; s++)
        {
            var row = exposed.X[(s * w)..((s + 1) * w)];
            for (int j = 0; j < w; j++) Assert.InRange(row[j], lo[j], hi[j]);
            Assert.Equal(1f, row[7] + row[8] + row[9]); // a one-hot group is replaced whole, by a real row's
            // 8 features: a quarter is 2 replaced, so some normal row differs from it in at most two feature groups.
            int[] starts = [0, 1, 2, 3, 4, 5, 6, 7];
            int Differing(int n) => Enumerable.Range(0, Widths.Length).Count(g =>
                !row.AsSpan(starts[g], Widths[g]).SequenceEqual(train.X.AsSpan(n * w + starts[g], Widths[g])));
            Assert.Contains(normals, n => Differing(n) <= 2);
        }
        Assert.Equal(exposed.X, OutlierExposure.Augment(train, Widths, 0, 1, 0.25, 7).X);
        Assert.NotEqual(exposed.X, OutlierExposure.Augment(train, Widths, 0, 1, 0.25, 8).X);
        Assert.Equal(300 + 100, OutlierExposure.Augment(train, Widths, 0, 1, 0.25, 7, ratio: 0.5).Rows);
        Assert.Same(train, OutlierExposure.Augment(train, Widths, 0, 1, 0, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => OutlierExposure.Augment(train, Widths, 0, 1, 1.5, 7));
        Assert.Throws<ArgumentException>(() => OutlierExposure.Augment(train, [1, 1, 3], 0, 1, 0.25, 7));
    }

    [Fact]
    public void A_tree_with_exposure_calls_unfamiliar_traffic_an_attack_where_the_plain_tree_calls_it_normal()
    {
        // The new traffic has a normal x0 and an x1 no normal row has (only attacks reach it, but x0 already told those apart).
        var train = Rows(1500, 750, 2);
        int w = train.Width;
        float[] Labels(TensorData d) => d.Classes!.Select(c => (float)c).ToArray();
        var plain = TreeLearner.Fit(new TreeSpec(TreeKind.LightGbm), train.X, train.Rows, w, Labels(train), 2, 1);
        var exposed = OutlierExposure.Augment(train, Widths, 0, 1, 0.25, 1);
        var hardened = TreeLearner.Fit(new TreeSpec(TreeKind.LightGbm), exposed.X, exposed.Rows, w, Labels(exposed), 2, 1);
        var rng = new Random(3);
        float[] Probe(bool unfamiliar, int rows)
        {
            var x = new float[rows * w];
            for (int i = 0; i < rows; i++)
            {
                var r = x.AsSpan(i * w, w);
                for (int j = 0; j < 7; j++) r[j] = (float)rng.NextDouble();
                if (unfamiliar) r[1] = (float)(2 + rng.NextDouble());
                r[7 + rng.Next(3)] = 1;
            }
            return x;
        }
        double AttackShare(TreeModel m, float[] x, int rows)
        {
            var o = new float[rows];
            m.Score(x, rows, o);
            return o.Count(p => p > 0.5f) / (double)rows;
        }
        var novel = Probe(true, 200);
        var normal = Probe(false, 200);
        Assert.True(AttackShare(plain, novel, 200) < 0.2, $"plain tree: {AttackShare(plain, novel, 200):P0} of the new traffic called attack");
        Assert.True(AttackShare(hardened, novel, 200) > 0.8, $"with exposure: {AttackShare(hardened, novel, 200):P0}");
        Assert.True(AttackShare(hardened, normal, 200) < 0.05,
            $"with exposure, normal traffic: {AttackShare(hardened, normal, 200):P0} called attack");
    }

    [Fact]
    public void The_request_field_is_checked_and_named()
    {
        const string Base = """
            {"label": "E", "dataset": "d.csv", "ml_type": "classification", "predict_feature": "y", "features_to_process": ["a"],
             "model_kind": "KIND", "outlier_exposure": VALUE}
            """;
        static string Json(string kind, string value) => Base.Replace("KIND", kind).Replace("VALUE", value);
        Assert.Equal(0.25, EngineTestData.Request(Json("fast_tree", "0.25")).Quality.OutlierExposure);
        Assert.Equal(0.5, EngineTestData.Request(Json("light_gbm", "0.5")).Quality.OutlierExposure);
        foreach (var (kind, value, says) in new[] { ("fast_tree", "-1", "[0, 1]"), ("fast_tree", "1.5", "[0, 1]"),
            ("fast_tree", "\"lots\"", "[0, 1]"),
            ("network", "1", "tree model kinds"), ("auto", "1", "auto") })
        {
            var e = Assert.Throws<RequestException>(() => EngineTestData.Request(Json(kind, value)));
            Assert.Contains(e.Issues, i => i.Field == "outlier_exposure" && i.Message.Contains(says, StringComparison.Ordinal));
        }
        var regression = Assert.Throws<RequestException>(() => EngineTestData.Request(Json("fast_tree", "0.25")
            .Replace("\"classification\"", "\"regression\"", StringComparison.Ordinal)));
        Assert.Contains(regression.Issues, i => i.Field == "outlier_exposure" && i.Message.Contains("binary", StringComparison.Ordinal));
    }

    /// <summary>The exposed rows' size is checked in 64 bits: past what one array holds the request is refused naming the
    /// sizes, not failed by an int product that wrapped around.</summary>
    [Fact]
    public void A_size_past_one_array_is_refused_naming_it_not_wrapped_around()
    {
        Assert.Equal(1_000 * 122, ArrayCells.Of(1_000, 122, "outlier_exposure", "inputs"));
        Assert.Equal(Array.MaxLength, ArrayCells.Of(Array.MaxLength, 1, "outlier_exposure", "inputs"));
        // 36 million rows x 122 inputs wraps an int product around to a small positive length.
        int rows = 36_000_000, width = 122;
        Assert.True(unchecked(rows * width) is > 0 and < 100_000_000);
        var e = Assert.Throws<RequestException>(() => ArrayCells.Of(rows, width, "outlier_exposure", "inputs"));
        Assert.Contains(e.Issues, i => i.Field == "outlier_exposure" && i.Message.Contains(" rows x 122 inputs", StringComparison.Ordinal));
        Assert.Throws<RequestException>(() => ArrayCells.Of((long)Array.MaxLength + 1, 1, "predict_feature", "class outputs"));
    }
}
