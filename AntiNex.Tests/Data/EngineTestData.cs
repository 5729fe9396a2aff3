using System.Globalization;
using System.Text;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Requests;

namespace AntiNex.Tests.Data;

/// <summary>Locates ../shared (beside the repo root) and writes generated CSVs into a temp data root.</summary>
public static class EngineTestData
{
    public static string? RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AntiNex.Cluster.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>../shared relative to the repo root, or null when absent.</summary>
    public static string? Shared()
    {
        var root = RepoRoot();
        if (root is null) return null;
        var shared = Path.GetFullPath(Path.Combine(root, "..", "shared"));
        return Directory.Exists(shared) ? shared : null;
    }

    public const string SkipReason = "../shared (beside the repo root) is absent: shared datasets and request files are not available";

    public static string SharedOrSkip()
    {
        var s = Shared();
        Skip.If(s is null, SkipReason);
        return s!;
    }

    public static IEnumerable<object[]> OriginalRequestFiles()
    {
        var s = Shared();
        var dir = s is null ? null : Path.Combine(s, "antinex-requests");
        if (dir is null || !Directory.Exists(dir)) { yield return ["(absent)"]; yield break; }
        foreach (var f in Directory.GetFiles(dir, "*.json").Order()) yield return [Path.GetFileName(f)];
    }

    public static readonly EngineOptions SingleThread = new() { TorchThreads = 1 };

    /// <summary>A temp folder used as a data root; deleted on dispose.</summary>
    public sealed class TempRoot : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("antinex-engine-").FullName;
        public DataRoots Roots => new([Path]);
        public string Write(string name, string content)
        {
            var p = System.IO.Path.Combine(Path, name);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
            File.WriteAllText(p, content);
            return p;
        }
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }

    /// <summary>Two noisy gaussian blobs: label 1 when x0 + x1 > 0 (plus a categorical column and a constant column).</summary>
    public static string BinaryCsv(int rows, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("x0,x1,proto,const,label\n");
        for (int i = 0; i < rows; i++)
        {
            double a = rng.NextDouble() * 4 - 2, b = rng.NextDouble() * 4 - 2;
            var proto = (i % 3) switch { 0 => "tcp", 1 => "udp", _ => "icmp" };
            int label = a + b + (proto == "icmp" ? 0.5 : 0) > 0 ? 1 : 0;
            sb.Append(CultureInfo.InvariantCulture, $"{a:R},{b:R},{proto},7,{label}\n");
        }
        return sb.ToString();
    }

    /// <summary>Three classes by angle sector, as strings (needs target_rules).</summary>
    public static string MultiClassCsv(int rows, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("x0,x1,kind\n");
        for (int i = 0; i < rows; i++)
        {
            double a = rng.NextDouble() * 2 - 1, b = rng.NextDouble() * 2 - 1;
            var angle = Math.Atan2(b, a);
            var kind = angle < -Math.PI / 3 ? "scan" : angle < Math.PI / 3 ? "normal" : "flood";
            sb.Append(CultureInfo.InvariantCulture, $"{a:R},{b:R},{kind}\n");
        }
        return sb.ToString();
    }

    /// <summary>y = 3 a - 2 b + 500 (large units, to prove predictions are un-scaled).</summary>
    public static string RegressionCsv(int rows, int seed)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder("a,b,y\n");
        for (int i = 0; i < rows; i++)
        {
            double a = rng.NextDouble() * 10, b = rng.NextDouble() * 10;
            sb.Append(CultureInfo.InvariantCulture, $"{a:R},{b:R},{3 * a - 2 * b + 500:R}\n");
        }
        return sb.ToString();
    }

    public static AntiNexRequest Request(string json) => AntiNexRequest.Parse(json, out _);

    /// <summary>A binary request on blobs.csv; <paramref name="extra"/> (", \"field\": value, ...") adds fields, and a field
    /// it repeats replaces the request's own (a request refuses a key given twice).</summary>
    public static string BinaryRequest(string dataset = "blobs.csv", int epochs = 6, int splits = 2, int seed = 3, string extra = "")
        => WithFields($$"""
        {
          "label": "Blobs", "dataset": "{{dataset}}", "ml_type": "classification", "predict_feature": "label",
          "features_to_process": ["x0", "x1", "proto", "const"], "categorical_features": ["proto"],
          "apply_scaler": true, "seed": {{seed}}, "test_size": 0.25, "batch_size": 16, "epochs": {{epochs}}, "num_splits": {{splits}},
          "loss": "binary_crossentropy", "optimizer": "adam", "learning_rate": 0.01,
          "model_desc": {"layers": [{"num_neurons": 16, "init": "glorot_uniform", "activation": "relu", "dropout": 0.1},
                                    {"num_neurons": 1, "init": "glorot_uniform", "activation": "sigmoid"}]},
          "label_rules": {"labels": ["benign", "attack"], "label_values": [0, 1]}
        }
        """, extra);

    /// <summary><paramref name="json"/> with the fields of <paramref name="extra"/> (", \"a\": 1, ...") set on it.</summary>
    public static string WithFields(string json, string extra)
    {
        if (string.IsNullOrWhiteSpace(extra)) return json;
        var request = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        foreach (var (name, value) in System.Text.Json.Nodes.JsonNode.Parse("{" + extra.Trim().TrimStart(',') + "}")!.AsObject().ToList())
            request[name] = value?.DeepClone();
        return request.ToJsonString();
    }
}
