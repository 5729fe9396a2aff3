using System.Text.Json;

namespace AntiNex.Requests;

/// <summary>Training-quality extensions. Every default leaves the original behaviour unchanged.</summary>
public sealed record QualityOptions
{
    public double ValidationSplit { get; init; }
    public EarlyStopping? EarlyStopping { get; init; }
    public double WeightDecay { get; init; }
    public LrSchedule? LrSchedule { get; init; }
    /// <summary>minmax (the original's, default), standard, robust (median/IQR), quantile (rank to uniform), quantile_normal (rank to a standard
    /// normal), ple (piecewise-linear encoding: one input per quantile bin).</summary>
    public string Scaler { get; init; } = "minmax";
    /// <summary>The request names a scaler: scaling is on (whatever apply_scaler says) and constant columns are dropped.</summary>
    public bool ScalerGiven { get; init; }
    /// <summary>null = unweighted; "balanced"; or explicit weights by class value.</summary>
    public bool BalancedClassWeights { get; init; }
    public IReadOnlyDictionary<string, double>? ClassWeights { get; init; }
    public ThresholdRule? Threshold { get; init; }
    public int EnsembleSeeds { get; init; } = 1;
    /// <summary>ensemble.folds: the K cross-validation fold networks are the served model (no separate final fit).</summary>
    public bool EnsembleFolds { get; init; }
    public NoveltyOptions? Novelty { get; init; }
    /// <summary>selection_split: fraction of the training split held out, stratified and seeded, to compare the candidates.</summary>
    public double SelectionSplit { get; init; } = 0.2;
    /// <summary>novelty_budget (model_kind auto, binary): the accuracy points on the selection rows (known traffic) the novelty
    /// detector may cost, and half its FPR points; 0 = it may not cost a single known-traffic row. Raise it where attack
    /// kinds absent from the training rows are expected.</summary>
    public double NoveltyBudget { get; init; }
    /// <summary>outlier_exposure (tree model kinds, binary): one synthetic not-normal row per normal fitting row, labelled attack,
    /// with this share of its features replaced (<c>OutlierExposure</c>); 0 = off. model_kind auto chooses it on the training rows.</summary>
    public double OutlierExposure { get; init; }
    /// <summary>model_kind auto without a loss: binary_crossentropy or categorical_crossentropy by the classes found.</summary>
    public bool LossByTask { get; init; }
    /// <summary>model_kind auto without a scaler: the scaler is chosen on the inner validation (AutoRecipe.Scalers).</summary>
    public bool ScalerByData { get; init; }

    public static readonly IReadOnlyList<string> Scalers = ["minmax", "standard", "robust", "quantile", "quantile_normal", "ple"];

    /// <summary>Encoder layers of the novelty autoencoder: a normal profile needs few, and each adds two layers (the decoder mirrors it).</summary>
    public const int MaxNoveltyLayers = 8;

    private static readonly string[] EarlyStoppingKeys = ["patience", "monitor", "restore_best_weights", "min_delta"];
    private static readonly string[] LrScheduleKeys = ["kind", "factor", "patience", "min_lr", "step_size", "gamma"];

    /// <summary>Reads the fields from the request root; every problem goes to <paramref name="issue"/> with its field name, every
    /// ignored key to <paramref name="warn"/>.</summary>
    internal static QualityOptions Parse(JsonElement root, Action<string, string> issue, Action<string> warn)
    {
        var q = new QualityOptions();
        if (Get(root, "validation_split") is { } vs)
        {
            if (Num(vs) is { } v && v >= 0 && v < 1) q = q with { ValidationSplit = v };
            else issue("validation_split", $"must be a number in [0, 1), got {vs.GetRawText()}");
        }
        if (Get(root, "weight_decay") is { } wd)
        {
            if (Num(wd) is { } v && Float32Range.IsNonNegativeRate(v)) q = q with { WeightDecay = v };
            else issue("weight_decay", $"must be a number >= 0 and at most {Float32Range.MaxRateText}, got {wd.GetRawText()}");
        }
        if (Get(root, "early_stopping") is { } es)
        {
            if (es.ValueKind != JsonValueKind.Object) issue("early_stopping",
                "must be an object like {\"patience\": 3, \"monitor\": \"val_loss\", \"restore_best_weights\": true}");
            else
            {
                WarnUnknownKeys(es, "early_stopping", EarlyStoppingKeys, warn);
                int patience = 3;
                if (Get(es, "patience") is { } p)
                {
                    if (Num(p) is { } pv && pv >= 0 && pv == Math.Floor(pv)) patience =
                    (int)pv;
                    else issue("early_stopping.patience", $"must be an integer >= 0, got {p.GetRawText()}");
                }
                string monitor = "val_loss";
                if (Get(es, "monitor") is { } m)
                {
                    var mv = m.ValueKind == JsonValueKind.String ? m.GetString()!.ToLowerInvariant() : null;
                    if (mv is "val_loss" or "val_acc" or "val_accuracy") monitor = mv == "val_accuracy" ? "val_acc" : mv;
                    else issue("early_stopping.monitor", $"must be \"val_loss\" or \"val_acc\", got {m.GetRawText()}");
                }
                bool restore = true;
                if (Get(es, "restore_best_weights") is { } rb)
                {
                    if (rb.ValueKind is JsonValueKind.True or JsonValueKind.False) restore =
                    rb.GetBoolean();
                    else issue("early_stopping.restore_best_weights", $"must be true or false, got {rb.GetRawText()}");
                }
                double minDelta = 0;
                if (Get(es, "min_delta") is { } md)
                {
                    if (Num(md) is { } mdv && mdv >= 0) minDelta =
                    mdv;
                    else issue("early_stopping.min_delta", $"must be a number >= 0, got {md.GetRawText()}");
                }
                q = q with { EarlyStopping = new EarlyStopping(patience, monitor, restore, minDelta) };
            }
        }
        if (Get(root, "lr_schedule") is { } ls)
        {
            string? kind = ls.ValueKind == JsonValueKind.Object && Get(ls, "kind") is { ValueKind: JsonValueKind.String } k
                ? k.GetString()!.ToLowerInvariant() : null;
            if (kind is not ("reduce_on_plateau" or "cosine" or "step"))
                issue("lr_schedule", $"must be an object with \"kind\": \"reduce_on_plateau\", \"cosine\" or \"step\", got {ls.GetRawText()}");
            else
            {
                WarnUnknownKeys(ls, "lr_schedule", LrScheduleKeys, warn);
                var s = new LrSchedule(kind);
                double D(string f, double def, Func<double, bool> ok, string rule)
                {
                    if (Get(ls, f) is not { } e) return def;
                    if (Num(e) is { } v && ok(v)) return v;
                    issue($"lr_schedule.{f}", $"{rule}, got {e.GetRawText()}");
                    return def;
                }
                s = s with
                {
                    Factor = D("factor", s.Factor, v => v > 0 && v < 1, "must be in (0, 1)"),
                    Patience = (int)D("patience", s.Patience, v => v >= 0 && v == Math.Floor(v), "must be an integer >= 0"),
                    MinLr = D("min_lr", s.MinLr, Float32Range.IsNonNegativeRate, $"must be >= 0 and at most {Float32Range.MaxRateText}"),
                    StepSize = (int)D("step_size", s.StepSize, v => v >= 1 && v == Math.Floor(v), "must be an integer >= 1"),
                    Gamma = D("gamma", s.Gamma, v => v > 0 && v <= 1, "must be in (0, 1]"),
                };
                q = q with { LrSchedule = s };
            }
        }
        if (Get(root, "scaler") is { } sc)
        {
            var v = sc.ValueKind == JsonValueKind.String ? sc.GetString()!.ToLowerInvariant() : null;
            if (v is not null && Scalers.Contains(v)) q = q with { Scaler = v, ScalerGiven = true };
            else issue("scaler", $"must be one of {string.Join(", ", Scalers)}, got {sc.GetRawText()}");
        }
        if (Get(root, "class_weights") is { } cw)
        {
            if (cw.ValueKind == JsonValueKind.String && cw.GetString()!.Equals("balanced", StringComparison.OrdinalIgnoreCase))
                q = q with { BalancedClassWeights = true };
            else if (cw.ValueKind == JsonValueKind.Object)
            {
                var map = new Dictionary<string, double>();
                foreach (var p in cw.EnumerateObject())
                {
                    if (Num(p.Value) is { } w && w > 0 && Float32Range.Fits(w)) map[p.Name] = w;
                    else issue($"class_weights.{p.Name}", $"must be a number > 0 that fits a float32, got {p.Value.GetRawText()}");
                }
                q = q with { ClassWeights = map };
            }
            else issue("class_weights", $"must be \"balanced\" or an object mapping class values to weights, got {cw.GetRawText()}");
        }
        if (Get(root, "threshold") is { } th)
        {
            if (th.ValueKind == JsonValueKind.Object && th.EnumerateObject().Count() > 1)
                issue("threshold", $"give one of optimize, max_fpr or value, got {th.GetRawText()}");
            else if (th.ValueKind == JsonValueKind.Object && Get(th, "optimize") is { } o)
            {
                if (o.ValueKind == JsonValueKind.String && o.GetString()!.Equals("f1", StringComparison.OrdinalIgnoreCase)) q =
                    q with { Threshold = new ThresholdRule("f1", null) };
                else issue("threshold.optimize", $"only \"f1\" is supported, got {o.GetRawText()}");
            }
            else if (th.ValueKind == JsonValueKind.Object && Get(th, "max_fpr") is { } f)
            {
                if (Num(f) is { } fv && fv > 0 && fv < 1) q = q with { Threshold = new ThresholdRule("max_fpr", fv) };
                else issue("threshold.max_fpr", $"must be in (0, 1), got {f.GetRawText()}");
            }
            else if (th.ValueKind == JsonValueKind.Object && Get(th, "value") is { } tv)
            {
                if (Num(tv) is { } v && v > 0 && v < 1) q = q with { Threshold = ThresholdRule.Fixed(v) };
                else issue("threshold.value", $"must be in (0, 1), got {tv.GetRawText()}");
            }
            else issue("threshold", $"must be {{\"optimize\": \"f1\"}}, {{\"max_fpr\": 0.01}} or {{\"value\": 0.3}}, got {th.GetRawText()}");
        }
        if (Get(root, "ensemble") is { } en) q = ParseEnsemble(en, q, issue);
        if (Get(root, "novelty") is { } nv) q = q with { Novelty = ParseNovelty(nv, issue) };
        if (Get(root, "selection_split") is { } ss)
        {
            if (Num(ss) is { } v && v >= 0.05 && v <= 0.5) q = q with { SelectionSplit = v };
            else issue("selection_split", $"must be a number in [0.05, 0.5], got {ss.GetRawText()}");
        }
        if (Get(root, "novelty_budget") is { } nb)
        {
            if (Num(nb) is { } v && v >= 0 && v <= 10) q = q with { NoveltyBudget = v };
            else issue("novelty_budget", $"must be a number of accuracy points in [0, 10], got {nb.GetRawText()}");
        }
        if (Get(root, "outlier_exposure") is { } oe)
        {
            if (Num(oe) is { } v && v >= 0 && v <= 1) q = q with { OutlierExposure = v };
            else issue("outlier_exposure", $"must be the share of features a synthetic row replaces, in [0, 1], got {oe.GetRawText()}");
        }
        return q;
    }

    private static NoveltyOptions? ParseNovelty(JsonElement nv, Action<string, string> issue)
    {
        if (nv.ValueKind != JsonValueKind.Object)
        {
            issue("novelty",
                $"must be an object like {{\"normal_class\": 0, \"max_fpr\": 0.02, \"layers\": [64, 16], \"epochs\": 10}}, got {nv.GetRawText()}");
            return null;
        }
        bool ok = true;
        foreach (var p in nv.EnumerateObject())
            if (p.Name is not ("normal_class" or "max_fpr" or "layers" or "epochs" or "batch_size" or "learning_rate"))
            { issue($"novelty.{p.Name}", "is not a novelty field (normal_class, max_fpr, layers, epochs, batch_size, learning_rate)"); ok = false; }
        double normal = 0;
        if (Get(nv, "normal_class") is not { } nc)
        {
            issue("novelty.normal_class", "is required: the class value of normal traffic, e.g. 0"); ok =
            false;
        }
        else if (Num(nc) is { } ncv) normal = ncv;
        else { issue("novelty.normal_class", $"must be a class value (a number), got {nc.GetRawText()}"); ok = false; }
        double maxFpr = 0.02;
        if (Get(nv, "max_fpr") is { } f)
        {
            if (Num(f) is { } fv && fv > 0 && fv < 1) maxFpr = fv;
            else { issue("novelty.max_fpr", $"must be in (0, 1), got {f.GetRawText()}"); ok = false; }
        }
        IReadOnlyList<int> layers = NoveltyOptions.DefaultLayers;
        if (Get(nv, "layers") is { } ls)
        {
            var widths = ls.ValueKind == JsonValueKind.Array ? ls.EnumerateArray()
                .Select(e => Num(e) is { } w && w >= 1 && w <= 4096 && w == Math.Floor(w) ? (int)w : -1).ToList() : null;
            if (widths is { Count: > MaxNoveltyLayers })
            {
                issue("novelty.layers", $"lists {widths.Count} encoder layers, above the limit of {MaxNoveltyLayers} (the decoder mirrors them)");
                ok = false;
            }
            else if (widths is { Count: > 0 } && widths.All(w => w > 0)) layers = widths;
            else
            {
                issue("novelty.layers",
                $"must be a non-empty array of hidden widths in 1..4096 (encoder; the decoder mirrors it), got {ls.GetRawText()}"); ok = false;
            }
        }
        int Int(string field, int def, int max)
        {
            if (Get(nv, field) is not { } e) return def;
            if (Num(e) is { } v && v >= 1 && v <= max && v == Math.Floor(v)) return (int)v;
            issue($"novelty.{field}", $"must be an integer in 1..{max}, got {e.GetRawText()}");
            ok = false;
            return def;
        }
        int epochs = Int("epochs", 10, 1000), batch = Int("batch_size", 256, 1_000_000);
        double lr = 1e-3;
        if (Get(nv, "learning_rate") is { } l)
        {
            if (Num(l) is { } lv && lv > 0 && lv < 10) lr = lv;
            else { issue("novelty.learning_rate", $"must be a number in (0, 10), got {l.GetRawText()}"); ok = false; }
        }
        return ok ? new NoveltyOptions(normal, maxFpr, layers, epochs, batch, lr) : null;
    }

    /// <summary>{"seeds": N} (1..50) or {"folds": true}; one kind per request, unknown keys are issues (a typo must not silently train a single
    /// network).</summary>
    private static QualityOptions ParseEnsemble(JsonElement en, QualityOptions q, Action<string, string> issue)
    {
        const string shape = "must be {\"seeds\": N} with N in 1..50, or {\"folds\": true}";
        if (en.ValueKind != JsonValueKind.Object) { issue("ensemble", $"{shape}, got {en.GetRawText()}"); return q; }
        foreach (var p in en.EnumerateObject().Where(p => p.Name is not ("seeds" or "folds")))
            issue($"ensemble.{p.Name}", $"unknown; {shape}");
        if (Get(en, "seeds") is { } s)
        {
            if (Num(s) is { } sv && sv >= 1 && sv <= 50 && sv == Math.Floor(sv)) q = q with { EnsembleSeeds = (int)sv };
            else issue("ensemble", $"seeds must be an integer in 1..50, got {s.GetRawText()}"); // field name kept as before folds existed
        }
        if (Get(en, "folds") is { } f)
        {
            if (f.ValueKind is JsonValueKind.True or JsonValueKind.False) q = q with { EnsembleFolds = f.GetBoolean() };
            else issue("ensemble.folds", $"must be true or false, got {f.GetRawText()}");
        }
        if (q.EnsembleFolds && q.EnsembleSeeds > 1)
            issue("ensemble", "use either seeds or folds: a fold ensemble already holds one network per fold");
        if (Get(en, "seeds") is null && Get(en, "folds") is null) issue("ensemble", $"{shape}, got {en.GetRawText()}");
        return q;
    }

    /// <summary>Checks that need other request fields (called by the parser once num_splits and ml_type are read).</summary>
    internal static void CrossCheck(QualityOptions q, int numSplits, string mlType, Action<string, string> issue)
    {
        // A regression has no accuracy: val_acc would read as 0 every epoch and stop the training at its patience.
        if (q.EarlyStopping is { Monitor: "val_acc" } && mlType == MlTypes.Regression)
            issue("early_stopping.monitor", "\"val_acc\" needs a classification target: a regression has no accuracy; use \"val_loss\"");
        if (!q.EnsembleFolds) return;
        if (numSplits < 2)
            issue("ensemble.folds", $"needs num_splits >= 2 (got {numSplits}): the ensemble's members are the cross-validation fold networks");
        else if (numSplits > 50)
            issue("ensemble.folds", $"at most 50 members: num_splits is {numSplits}");
        if (mlType == MlTypes.Standalone)
            issue("ensemble.folds", "standalone-classification runs no cross-validation, so there are no fold networks to average");
    }

    /// <summary>A misspelt key would otherwise leave its default in force without a word, as an unknown top-level field is warned.</summary>
    internal static void WarnUnknownKeys(JsonElement obj, string at, IReadOnlyCollection<string> known, Action<string> warn)
    {
        foreach (var p in obj.EnumerateObject().Where(p => !known.Contains(p.Name)))
            warn($"{at}: unknown key '{p.Name}' ignored");
    }

    private static JsonElement? Get(JsonElement obj, string name)
        => obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? e : null;

    private static double? Num(JsonElement e)
        => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && double.IsFinite(d) ? d : null;
}
