// The values a model search may try, read from a JSON space file (or the default). Pure: knows nothing of Akka.
// Every dimension is a list of candidates; an absent dimension keeps the base request's value.
using System.Globalization;
using System.Text.Json;
using AntiNex.Requests;

namespace AntiNex.Search;

public sealed record SearchSpace
{
    /// <summary>Hidden-layer architectures (widths, input side first); the base request's output layer is kept.</summary>
    public IReadOnlyList<IReadOnlyList<int>>? HiddenLayers { get; init; }
    public IReadOnlyList<double>? LearningRate { get; init; }
    public IReadOnlyList<double>? Dropout { get; init; }
    public IReadOnlyList<int>? BatchSize { get; init; }
    public IReadOnlyList<string>? Scaler { get; init; }
    /// <summary>"none" (unweighted) or "balanced".</summary>
    public IReadOnlyList<string>? ClassWeights { get; init; }
    public IReadOnlyList<int>? Epochs { get; init; }

    public static readonly IReadOnlyList<string> Fields =
        ["hidden_layers", "widths", "depths", "learning_rate", "dropout", "batch_size", "scaler", "class_weights", "epochs"];

    public static readonly IReadOnlyList<string> ClassWeightChoices = ["none", "balanced"];

    /// <summary>Used when no --space is given: widths x depths, learning rates around Adam's default, light dropout,
    /// three batch sizes, the four scaler families, with and without balanced class weights. Epochs stay the request's.</summary>
    public static SearchSpace Default { get; } = new()
    {
        HiddenLayers = Architectures([32, 64, 128], [1, 2]),
        LearningRate = [0.0003, 0.001, 0.003, 0.01],
        Dropout = [0, 0.1, 0.3],
        BatchSize = [32, 64, 128],
        Scaler = ["minmax", "standard", "robust", "quantile"],
        ClassWeights = ["none", "balanced"],
    };

    /// <summary>Number of distinct configurations (the grid size).</summary>
    public long Size => Count(HiddenLayers) * Count(LearningRate) * Count(Dropout) * Count(BatchSize) * Count(Scaler) * Count(
        ClassWeights) * Count(Epochs);

    private static long Count<T>(IReadOnlyList<T>? list) => list is { Count: > 0 } ? list.Count : 1;

    /// <summary>width w, depth d: [w, w/2, w/4, ...] (d layers, never below 4 units): the usual funnel.</summary>
    public static IReadOnlyList<IReadOnlyList<int>> Architectures(IReadOnlyList<int> widths, IReadOnlyList<int> depths)
        => depths.SelectMany(d => widths.Select(w => (IReadOnlyList<int>)Enumerable.Range(0, d).Select(i => Math.Max(4, w >> i)).ToList()))
            .DistinctBy(a => string.Join("x", a)).ToList(); // widths below 4 meet at 4: one architecture, counted once

    /// <summary>Parses a space file; every problem is reported at once, each naming its field (space.xxx).</summary>
    public static SearchSpace Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e)
        {
            throw new RequestException("space", $"not valid JSON {JsonSyntaxError.Describe(e, json)}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new RequestException("space",
                "must be a JSON object like {\"learning_rate\": [0.001, 0.01]}");
            var issues = new List<RequestIssue>();
            void Issue(string field, string message) => issues.Add(new RequestIssue("space." + field, message));
            foreach (var p in root.EnumerateObject().Where(p => !Fields.Contains(p.Name)))
                Issue(p.Name, $"unknown field; known: {string.Join(", ", Fields)}");

            IReadOnlyList<double>? Numbers(string name, Func<double, bool> ok, string rule)
            {
                if (!root.TryGetProperty(name, out var e)) return null;
                var values = e.ValueKind == JsonValueKind.Array ? e.EnumerateArray()
                    .Select(x => x.ValueKind == JsonValueKind.Number ? x.GetDouble() : double.NaN).ToList() : null;
                if (values is null || values.Count == 0 || values.Any(v => double.IsNaN(v) || !ok(v)))
                {
                    Issue(name, $"must be a non-empty list of {rule}, got {Shorten(e.GetRawText())}");
                    return null;
                }
                return values.Distinct().ToList();
            }
            IReadOnlyList<int>? Integers(string name, int min)
                => Numbers(name, v => v >= min && v == Math.Floor(v) && v <= 1_000_000, $"integers from {min} to 1,000,000")
                    ?.Select(v => (int)v).ToList();
            IReadOnlyList<string>? Strings(string name, IReadOnlyList<string> allowed)
            {
                if (!root.TryGetProperty(name, out var e)) return null;
                var values = e.ValueKind == JsonValueKind.Array
                    ? e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()!.ToLowerInvariant() : null).ToList() : null;
                if (values is null || values.Count == 0 || values.Any(v => v is null || !allowed.Contains(v)))
                {
                    Issue(name, $"must be a non-empty list of {string.Join(" | ", allowed.Select(a => $"\"{a}\""))}, got {Shorten(e.GetRawText())}");
                    return null;
                }
                return values.Distinct().ToList()!;
            }

            IReadOnlyList<IReadOnlyList<int>>? hidden = null;
            if (root.TryGetProperty("hidden_layers", out var hl))
            {
                if (root.TryGetProperty("widths", out _) || root.TryGetProperty("depths", out _))
                    Issue("hidden_layers", "give either hidden_layers or widths + depths, not both");
                var list = hl.ValueKind == JsonValueKind.Array ? hl.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.Array
                    ? a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out var n) && n >= 1
                        && n <= 100_000 ? n : -1).ToList()
                    : null).ToList() : null;
                if (list is null || list.Count == 0 || list.Any(a => a is null || a.Count == 0 || a.Contains(-1)))
                    Issue("hidden_layers",
                        "must be a non-empty list of architectures, each a non-empty list of layer widths from 1 to 100,000 " +
                        $"(e.g. [[64], [128, 64]]), got {Shorten(hl.GetRawText())}");
                else hidden = list.Select(a => (IReadOnlyList<int>)a!).DistinctBy(a => string.Join("x", a)).ToList();
            }
            else if (root.TryGetProperty("widths", out _) || root.TryGetProperty("depths", out _))
            {
                var widths = root.TryGetProperty("widths", out _) ? Integers("widths", 1) : null;
                var depths = root.TryGetProperty("depths", out _) ? Integers("depths", 1) : null;
                if (!root.TryGetProperty("widths", out _)) Issue("widths", "missing: depths needs widths (the first hidden layer's units)");
                if (depths is not null && depths.Any(d => d > 10)) Issue("depths", "must be <= 10 hidden layers");
                else if (widths is not null) hidden = Architectures(widths, depths ?? [1]);
            }

            var space = new SearchSpace
            {
                HiddenLayers = hidden,
                LearningRate = Numbers("learning_rate", v => v > 0 && v < 10, "numbers > 0 and < 10"),
                Dropout = Numbers("dropout", v => v >= 0 && v < 1, "numbers in [0, 1)"),
                BatchSize = Integers("batch_size", 1),
                Scaler = Strings("scaler", QualityOptions.Scalers),
                ClassWeights = Strings("class_weights", ClassWeightChoices),
                Epochs = Integers("epochs", 1),
            };
            if (issues.Count > 0) throw new RequestException(issues);
            if (space.Size == 1 && space.HiddenLayers is null && space.LearningRate is null && space.Dropout is null && space.BatchSize is null
                && space.Scaler is null && space.ClassWeights is null && space.Epochs is null)
                throw new RequestException("space", $"is empty: name at least one of {string.Join(", ", Fields)}");
            return space;
        }
    }

    private static string Shorten(string raw) => raw.Length <= 60 ? raw : raw[..57] + "...";

    /// <summary>The space as a JSON object (the same format <see cref="Parse"/> reads).</summary>
    public string ToJson()
    {
        var o = new Dictionary<string, object?>
        {
            ["hidden_layers"] = HiddenLayers, ["learning_rate"] = LearningRate, ["dropout"] = Dropout, ["batch_size"] = BatchSize,
            ["scaler"] = Scaler, ["class_weights"] = ClassWeights, ["epochs"] = Epochs,
        };
        return JsonSerializer.Serialize(o.Where(kv => kv.Value is not null).ToDictionary(), new JsonSerializerOptions { WriteIndented = true });
    }

    internal static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
