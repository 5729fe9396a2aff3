using System.Security.Cryptography;
using System.Text;
using AntiNex.Data.Synthetic;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AntiNex.Tests.Data;

public class SyntheticTrafficTests(ITestOutputHelper output)
{
    private static string Csv(long rows, long seed, double attackFraction = 0.3)
    {
        using var writer = new StringWriter();
        SyntheticTraffic.Write(writer, rows, seed, attackFraction);
        return writer.ToString();
    }

    private static List<long[]> Rows(int count, long seed, double attackFraction = 0.3, List<string>? kinds = null)
    {
        var generator = new TrafficGenerator(seed, attackFraction);
        var rows = new List<long[]>(count);
        for (int i = 0; i < count; i++)
        {
            var row = new long[TrafficSchema.Columns.Count];
            generator.Next(row);
            rows.Add(row);
            kinds?.Add(generator.LastKind);
        }
        return rows;
    }

    private static int Col(string name) => TrafficSchema.IndexOf(name);
    private static readonly int Label = Col(TrafficSchema.LabelColumn);

    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_does_not()
    {
        string a = Csv(5_000, seed: 11), b = Csv(5_000, seed: 11), c = Csv(5_000, seed: 12);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);

        // The file path (UTF-8 stream) writes exactly the same bytes as the TextWriter path.
        var path = Path.Combine(Path.GetTempPath(), $"antinex-syn-{Guid.NewGuid():N}.csv");
        try
        {
            SyntheticTraffic.WriteFile(path, 5_000, seed: 11);
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(File.ReadAllBytes(path)));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Writes_the_header_and_exactly_the_requested_rows_with_consistent_fields()
    {
        var lines = Csv(1_234, seed: 3).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1_235, lines.Length);
        Assert.Equal(string.Join(',', TrafficSchema.Columns), lines[0]);
        Assert.Equal(68, TrafficSchema.Columns.Count);
        Assert.Equal("idx", TrafficSchema.Columns[0]);
        Assert.Equal("label_value", TrafficSchema.Columns[^1]);
        for (int i = 1; i < lines.Length; i++)
        {
            var fields = lines[i].Split(',');
            Assert.Equal(68, fields.Length);
            Assert.Equal((i - 1).ToString(), fields[0]);
            Assert.Contains(fields[^1], new[] { "0", "1" });
            Assert.All(fields, f => long.Parse(f, System.Globalization.CultureInfo.InvariantCulture));
        }
        Assert.Single(Csv(0, seed: 3).Split('\n', StringSplitOptions.RemoveEmptyEntries)); // header only
    }

    [Fact]
    public void The_features_are_the_original_django_request_features_except_idx()
    {
        // The original's 67 features (see scaler-full-django-antinex-simple.json): idx + these 66.
        Assert.Equal(66, TrafficSchema.Features.Count);
        Assert.DoesNotContain("idx", TrafficSchema.Features);
        Assert.DoesNotContain("label_value", TrafficSchema.Features);
        Assert.Contains("tcp_fields_options.SAckOK", TrafficSchema.Features);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void Class_balance_follows_the_attack_fraction(double fraction)
    {
        var rows = Rows(20_000, seed: 5, fraction);
        double actual = rows.Count(r => r[Label] == 1) / (double)rows.Count;
        Assert.InRange(actual, fraction - 0.02, fraction + 0.02);
    }

    [Fact]
    public void Fractions_zero_and_one_give_a_single_class_and_bad_arguments_are_refused()
    {
        Assert.All(Rows(2_000, seed: 1, 0.0), r => Assert.Equal(0, r[Label]));
        Assert.All(Rows(2_000, seed: 1, 1.0), r => Assert.Equal(1, r[Label]));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TrafficGenerator(1, 1.5));
        Assert.Contains("attack fraction", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrafficGenerator(1, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticTraffic.Write(TextWriter.Null, -1));
    }

    [Fact]
    public void Attack_rows_differ_from_benign_rows_in_the_documented_ways()
    {
        var rows = Rows(40_000, seed: 9);
        var attack = rows.Where(r => r[Label] == 1).ToList();
        var benign = rows.Where(r => r[Label] == 0).ToList();
        int dport = Col("tcp_dport"), ipLen = Col("ip_len"), mss = Col("tcp_fields_options.MSS"),
            ts = Col("tcp_fields_options.Timestamp"), sack = Col("tcp_fields_options.SAckOK");

        // Port scans: far more distinct destination ports per TCP row (below the ephemeral range, where a benign
        // client's own port would count once per conversation).
        double Distinct(List<long[]> set)
        {
            var tcp = set.Where(r => r[dport] >= 0 && r[dport] < 32768).ToList();
            return tcp.Select(r => r[dport]).Distinct().Count() / (double)tcp.Count;
        }
        output.WriteLine($"distinct dport per tcp row: attack {Distinct(attack):F3} benign {Distinct(benign):F3}");
        Assert.True(Distinct(attack) > 5 * Distinct(benign));

        // Small probes: the median IPv4 length of attack rows is well below benign.
        static double Median(IEnumerable<long> values) { var v = values.OrderBy(x => x).ToList(); return v[v.Count / 2]; }
        double attackLen = Median(attack.Where(r => r[ipLen] > 0).Select(r => r[ipLen]));
        double benignLen = Median(benign.Where(r => r[ipLen] > 0).Select(r => r[ipLen]));
        output.WriteLine($"median ip_len: attack {attackLen} benign {benignLen}");
        Assert.True(attackLen < benignLen / 1.5);

        // Scanner-style SYNs: MSS without SAckOK/Timestamp is common in attacks, rare in benign traffic.
        static double Share(List<long[]> set, Func<long[], bool> p) => set.Count(p) / (double)set.Count;
        bool MssOnly(long[] r) => r[mss] > 0 && r[sack] < 0 && r[ts] < 0;
        output.WriteLine($"MSS-only SYNs: attack {Share(attack, MssOnly):P1} benign {Share(benign, MssOnly):P1}");
        Assert.True(Share(attack, MssOnly) > 0.25);
        Assert.True(Share(benign, MssOnly) < 0.05);
        Assert.True(Share(benign, MssOnly) > 0); // health checks: the overlap is real
    }

    [Fact]
    public void No_single_feature_threshold_separates_the_classes()
    {
        // Not trivial: the best decision stump on any one feature stays clearly below 99 %.
        var rows = Rows(20_000, seed: 13);
        double best = 0; string bestFeature = "";
        foreach (var feature in TrafficSchema.Features)
        {
            int c = Col(feature);
            var sorted = rows.Select(r => (r[c], r[Label])).OrderBy(p => p.Item1).ToArray();
            long totalAttack = sorted.Count(p => p.Item2 == 1), n = sorted.Length;
            long attackBelow = 0, benignBelow = 0;
            for (int i = 0; i < sorted.Length; i++)
            {
                if (sorted[i].Item2 == 1) attackBelow++; else benignBelow++;
                if (i + 1 < sorted.Length && sorted[i + 1].Item1 == sorted[i].Item1) continue;
                long benignAbove = n - totalAttack - benignBelow, attackAbove = totalAttack - attackBelow;
                double acc = Math.Max(benignBelow + attackAbove, attackBelow + benignAbove) / (double)n;
                if (acc > best) { best = acc; bestFeature = feature; }
            }
        }
        output.WriteLine($"best single-feature stump: {bestFeature} {best:P2}");
        Assert.True(best < 0.97, $"{bestFeature} alone reaches {best:P2}");
        Assert.True(best > 0.75, $"no feature carries signal ({best:P2})");
    }

    [Fact]
    public void A_small_network_learns_it_well_but_not_perfectly()
    {
        // Learnable but not trivial: a 66-64-1 MLP on min-max scaled features reaches 90-99.5 % on held-out rows.
        var train = Rows(16_000, seed: 21);
        var testKinds = new List<string>();
        var test = Rows(4_000, seed: 22, kinds: testKinds);
        var features = TrafficSchema.Features.Select(Col).ToArray();
        var min = features.Select(c => train.Min(r => (double)r[c])).ToArray();
        var max = features.Select(c => train.Max(r => (double)r[c])).ToArray();
        Tensor X(List<long[]> rows, DisposeScope? _ = null)
        {
            var data = new float[rows.Count * features.Length];
            for (int i = 0; i < rows.Count; i++)
                for (int j = 0; j < features.Length; j++)
                {
                    double span = max[j] - min[j];
                    data[i * features.Length + j] = span == 0 ? 0 : (float)Math.Clamp((rows[i][features[j]] - min[j]) / span, -1, 2);
                }
            return torch.tensor(data, new long[] { rows.Count, features.Length });
        }
        Tensor Y(List<long[]> rows) => torch.tensor(rows.Select(r => (float)r[Label]).ToArray(), new long[] { rows.Count, 1 });

        torch.manual_seed(3);
        using var scope = torch.NewDisposeScope();
        var xTrain = X(train); var yTrain = Y(train); var xTest = X(test); var yTest = Y(test);
        var net = nn.Sequential(nn.Linear(features.Length, 64), nn.ReLU(), nn.Linear(64, 1));
        var opt = optim.Adam(net.parameters(), 0.01);
        for (int epoch = 0; epoch < 12; epoch++)
        {
            var order = torch.randperm(train.Count);
            for (long start = 0; start < train.Count; start += 256)
            {
                using var batch = torch.NewDisposeScope();
                var idx = order.narrow(0, start, Math.Min(256, train.Count - start));
                opt.zero_grad();
                var loss = nn.functional.binary_cross_entropy_with_logits(net.forward(xTrain.index_select(0, idx)), yTrain.index_select(0, idx));
                loss.backward();
                opt.step();
            }
        }
        double accuracy;
        using (torch.no_grad())
        {
            var hit = (net.forward(xTest).gt(0).to_type(ScalarType.Float32) == yTest).to_type(ScalarType.Float32);
            accuracy = hit.mean().item<float>();
            var hits = hit.data<float>().ToArray();
            foreach (var g in testKinds.Select((k, i) => (k, i)).GroupBy(p => p.k).OrderBy(g => g.Key))
                output.WriteLine($"{g.Key,-24} rows {g.Count(),5}  errors {g.Count(p => hits[p.i] == 0),4}");
        }
        output.WriteLine($"held-out accuracy: {accuracy:P2}");
        Assert.InRange(accuracy, 0.90, 0.995);
    }

    [Fact]
    public void Streaming_a_large_file_keeps_memory_flat()
    {
        // Flat memory: no per-row garbage and nothing accumulated. Measured as bytes allocated by this thread
        // (other tests running in parallel do not disturb it, unlike the process-wide heap size).
        SyntheticTraffic.Write(Stream.Null, 1_000, seed: 2); // warm up (JIT, static tables)
        long before = GC.GetAllocatedBytesForCurrentThread();
        var summary = SyntheticTraffic.Write(Stream.Null, 300_000, seed: 2);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"allocated {allocated / 1024} KiB for 300,000 rows ({(double)allocated / 300_000:F1} bytes/row)");
        Assert.Equal(300_000, summary.Rows);
        Assert.True(allocated < 2 * 1024 * 1024, $"allocated {allocated / 1024} KiB: rows are not streamed in flat memory");
    }

    [Fact]
    public void Runs_writing_the_same_file_at_once_each_use_their_own_temporary_file()
    {
        var dir = Directory.CreateTempSubdirectory("antinex-syn-").FullName;
        try
        {
            var path = Path.Combine(dir, "same.csv");
            var foreign = path + ".tmp"; // another writer's temporary file (the name every run used to share)
            File.WriteAllText(foreign, "not ours");
            var seeds = new long[] { 1, 2, 3, 4 };
            Parallel.ForEach(seeds, new ParallelOptions { MaxDegreeOfParallelism = seeds.Length },
                seed => SyntheticTraffic.WriteFile(path, 30_000, seed));
            var written = File.ReadAllText(path);
            Assert.Contains(written, seeds.Select(seed => Csv(30_000, seed)).ToList()); // one whole run's file, not a mix

            // A run cut short deletes its own temporary file, and only that.
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => SyntheticTraffic.WriteFile(path, 200_000, 9, cancellationToken: cancelled.Token));
            Assert.Equal(written, File.ReadAllText(path));
            Assert.Equal("not ours", File.ReadAllText(foreign));
            Assert.Equal([path, foreign], Directory.GetFiles(dir).Order(StringComparer.Ordinal));
        }
        finally { Directory.Delete(dir, true); }
    }
}
