// Trials of a model search: which configurations to try (random, seeded; or the grid), and each trial as an AntiNex
// request derived from the base request, so that it travels over the cluster as request text (like train).
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiNex.Data.Synthetic;
using AntiNex.Requests;

namespace AntiNex.Search;

/// <summary>One point of the space; null = the base request's value.</summary>
public sealed record TrialConfig
{
    public IReadOnlyList<int>? Hidden { get; init; }
    public double? LearningRate { get; init; }
    public double? Dropout { get; init; }
    public int? BatchSize { get; init; }
    public string? Scaler { get; init; }
    public string? ClassWeights { get; init; }
    public int? Epochs { get; init; }

    /// <summary>Short, stable text: "64x32 lr=0.001 drop=0.1 bs=64 robust balanced". Also the duplicate key.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Hidden is not null) parts.Add(string.Join("x", Hidden));
        if (LearningRate is { } lr) parts.Add($"lr={SearchSpace.Format(lr)}");
        if (Dropout is { } d) parts.Add($"drop={SearchSpace.Format(d)}");
        if (BatchSize is { } b) parts.Add($"bs={b}");
        if (Scaler is not null) parts.Add(Scaler);
        if (ClassWeights is not null) parts.Add(ClassWeights == "none" ? "unweighted" : ClassWeights);
        if (Epochs is { } e) parts.Add($"ep={e}");
        return parts.Count == 0 ? "(base request)" : string.Join(" ", parts);
    }
}

public static class TrialPlanner
{
    public static readonly IReadOnlyList<string> Strategies = ["random", "grid"];

    /// <summary>
    /// random: <paramref name="trials"/> distinct configurations drawn uniformly per dimension from a seeded generator
    /// (same seed and space, same trials, on every machine); fewer when the space has fewer distinct points.
    /// grid: every combination in a fixed order (last dimension fastest), the first <paramref name="trials"/> of them.
    /// </summary>
    public static IReadOnlyList<TrialConfig> Plan(SearchSpace space, string strategy, int trials, long seed)
    {
        if (trials < 1) throw new RequestException("--trials", $"must be >= 1, got {trials}");
        return strategy switch
        {
            "random" => Random(space, trials, seed),
            "grid" => Grid(space).Take(trials).ToList(),
            _ => throw new RequestException("--strategy", $"must be one of {string.Join(", ", Strategies)}, got '{strategy}'"),
        };
    }

    private static List<TrialConfig> Random(SearchSpace space, int trials, long seed)
    {
        var rng = new SeededRandom(seed);
        T? Pick<T>(IReadOnlyList<T>? list) => list is { Count: > 0 } ? list[(int)rng.Between(0, list.Count - 1)] : default;
        var result = new List<TrialConfig>();
        var seen = new HashSet<string>();
        int limit = (int)Math.Min(trials, space.Size);
        // Duplicates are redrawn: a bounded number of draws keeps a tiny space from spinning.
        for (int draws = 0; result.Count < limit && draws < 100L * trials + 1000; draws++)
        {
            var c = new TrialConfig
            {
                Hidden = Pick(space.HiddenLayers),
                LearningRate = space.LearningRate is null ? null : Pick(space.LearningRate),
                Dropout = space.Dropout is null ? null : Pick(space.Dropout),
                BatchSize = space.BatchSize is null ? null : Pick(space.BatchSize),
                Scaler = Pick(space.Scaler),
                ClassWeights = Pick(space.ClassWeights),
                Epochs = space.Epochs is null ? null : Pick(space.Epochs),
            };
            if (seen.Add(c.Describe())) result.Add(c);
        }
        return result;
    }

    private static IEnumerable<TrialConfig> Grid(SearchSpace space)
    {
        static IEnumerable<T?> Or<T>(IReadOnlyList<T>? list) where T : class => list is { Count: > 0 } ? list.Select(x => (T?)x) : new T?[] { null };
        foreach (var h in Or(space.HiddenLayers))
            foreach (var lr in space.LearningRate is null ? [null] : space.LearningRate.Select(v => (double?)v))
                foreach (var d in space.Dropout is null ? [null] : space.Dropout.Select(v => (double?)v))
                    foreach (var b in space.BatchSize is null ? [null] : space.BatchSize.Select(v => (int?)v))
                        foreach (var s in Or(space.Scaler))
                            foreach (var cw in Or(space.ClassWeights))
                                foreach (var e in space.Epochs is null ? [null] : space.Epochs.Select(v => (int?)v))
                                    yield return new TrialConfig
                                    {
                                        Hidden = h, LearningRate = lr, Dropout = d, BatchSize = b, Scaler = s,
                                        ClassWeights = cw, Epochs = e
                                    };
    }

    /// <summary>
    /// The base request with the trial's values applied. <paramref name="folds"/> overrides num_splits (trials);
    /// null keeps the base's (the best configuration written for `train`). Hidden layers reuse the base's first hidden
    /// layer's init/activation and keep its output layer. Everything else of the base request is unchanged.
    /// </summary>
    public static string Apply(string baseJson, TrialConfig trial, int? folds)
    {
        var root = JsonNode.Parse(baseJson, documentOptions: new JsonDocumentOptions
        {
            AllowTrailingCommas = true,
            CommentHandling = JsonCommentHandling.Skip
        })
            as JsonObject ?? throw new RequestException("request", "must be a JSON object");
        if (trial.Hidden is not null || trial.Dropout is not null) ApplyLayers(root, trial);
        if (trial.LearningRate is { } lr) root["learning_rate"] = lr;
        if (trial.BatchSize is { } bs) root["batch_size"] = bs;
        if (trial.Epochs is { } ep) root["epochs"] = ep;
        if (trial.Scaler is { } sc) { root["scaler"] = sc; root["apply_scaler"] = true; }
        if (trial.ClassWeights is "none") root.Remove("class_weights");
        else if (trial.ClassWeights is { } cw) root["class_weights"] = cw;
        if (folds is { } k) root["num_splits"] = k;
        // A trial's request travels in one cluster message: compact. The best configuration's file is for people: indented.
        return root.ToJsonString(folds is null ? WriteOptions : CompactOptions);
    }

    // Relaxed escaping: dataset paths such as "KDDTrain+_20Percent.txt" stay readable in the written request file.
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping
    };

    private static string LayerType(JsonNode? layer) => layer is JsonObject o && o["layer_type"] is JsonValue t ? t.ToString() : "";

    private static readonly JsonSerializerOptions CompactOptions = new(WriteOptions) { WriteIndented = false };

    // As the parser reads a layer: a layer_type that is not a string is a dense layer.
    private static bool IsDense(JsonNode? layer) => layer is JsonObject o &&
        (o["layer_type"] is not JsonValue t || !t.TryGetValue<string>(out var type)
         || string.Equals(type, "dense", StringComparison.OrdinalIgnoreCase));

    /// <summary>A hidden layer's width, written as the parser accepts it: 128, 128.0, 1.28e2 or "128".</summary>
    private static int Width(JsonObject layer, int index)
    {
        var text = layer["num_neurons"]?.ToString();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && w >= 1 && w <= int.MaxValue && w == Math.Floor(w))
            return (int)w;
        throw new RequestException($"model_desc.layers[{index}].num_neurons", $"must be a positive integer, got {text ?? "nothing"}");
    }

    private static void ApplyLayers(JsonObject root, TrialConfig trial)
    {
        if (root["model_desc"]?["layers"] is not JsonArray layers || !layers.Any(IsDense))
            throw new RequestException("model_desc.layers",
                "the search needs the base request's layers: its last dense layer is the output layer every trial keeps");
        var dense = layers.Where(IsDense).Cast<JsonObject>().ToList();
        var output = dense[^1];
        var template = dense.Count > 1 ? dense[0] : null;
        // Batch norm and dropout layers follow the first hidden layer's pattern: a batch_norm or a dropout layer right
        // after it goes after every hidden layer (a dropout layer's rate as the layer's dropout, as the parser reads it).
        var afterFirst = template is null ? [] : layers.Skip(layers.IndexOf(template) + 1).TakeWhile(l => !IsDense(l)).ToList();
        bool batchNorm = afterFirst.Any(l => LayerType(l).StartsWith("batch", StringComparison.OrdinalIgnoreCase));
        var dropoutLayerRate = afterFirst.Where(l => LayerType(l).Equals("dropout", StringComparison.OrdinalIgnoreCase))
            .Select(l => l?["rate"] is JsonValue rv && double.TryParse(rv.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var r)
                ? r : (double?)null)
            .FirstOrDefault(r => r is not null);
        var widths = trial.Hidden ?? dense.Take(dense.Count - 1).Select(l => Width(l, layers.IndexOf(l))).ToList();
        var rebuilt = new JsonArray();
        foreach (var w in widths)
        {
            var hidden = new JsonObject
            {
                ["num_neurons"] = w,
                ["init"] = template?["init"]?.DeepClone() ?? "he_uniform",
                ["activation"] = template?["activation"]?.DeepClone() ?? "relu",
            };
            var dropout = trial.Dropout ?? (template?["dropout"] is JsonValue dv
                && double.TryParse(dv.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var td) ? td : dropoutLayerRate ?? 0);
            if (dropout > 0) hidden["dropout"] = dropout;
            rebuilt.Add(hidden);
            if (batchNorm) rebuilt.Add(new JsonObject { ["layer_type"] = "batch_norm" });
        }
        rebuilt.Add(output.DeepClone());
        root["model_desc"]!["layers"] = rebuilt;
    }
}

/// <summary>One finished trial (scored or failed) as the leaderboard shows it.</summary>
public sealed record TrialResult(int Trial, string Config, string Node, double? CvMean, double? CvStd, IReadOnlyList<double> Folds,
    double Seconds, string? Error = null)
{
    public bool Scored => Error is null && CvMean is not null;
}

/// <summary>Ranking: CV mean accuracy (classification, higher is better) or CV MSE (regression, lower is better);
/// ties go to the smaller spread, then to the earlier trial (deterministic).</summary>
public static class Leaderboard
{
    public static bool HigherIsBetter(string mlType) => !string.Equals(mlType, MlTypes.Regression, StringComparison.OrdinalIgnoreCase);

    public static string ScoreName(string mlType) => HigherIsBetter(mlType) ? "CV accuracy %" : "CV MSE";

    public static IReadOnlyList<TrialResult> Rank(IEnumerable<TrialResult> results, string mlType)
    {
        var scored = results.Where(r => r.Scored && double.IsFinite(r.CvMean!.Value));
        var ordered = HigherIsBetter(mlType) ? scored.OrderByDescending(r => r.CvMean) : scored.OrderBy(r => r.CvMean);
        return ordered.ThenBy(r => r.CvStd ?? 0).ThenBy(r => r.Trial).ToList();
    }

    /// <summary>"96.31 ± 0.19" (accuracy %, large MSE); small MSEs keep 4 significant digits.</summary>
    public static string FormatScore(TrialResult r)
    {
        if (r.CvMean is not { } m) return "-";
        var format = Math.Abs(m) >= 1 ? "F2" : "G4";
        return $"{m.ToString(format, CultureInfo.InvariantCulture)} ± {(r.CvStd ?? 0).ToString(format, CultureInfo.InvariantCulture)}";
    }
}
