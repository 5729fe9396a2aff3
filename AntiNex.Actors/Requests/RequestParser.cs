using System.Globalization;
using System.Text.Json;

namespace AntiNex.Requests;

/// <summary>
/// Reads an AntiNex request the way the original did (defaults, manifest fallback, apply_scaler and int() quirks),
/// collecting every bad field instead of stopping at the first.
/// </summary>
internal sealed class RequestParser
{
    // Fields the original reads at the top level and then in "manifest" when absent (T->M in the behaviour spec).
    private static readonly HashSet<string> ManifestFallback =
    [
        "ml_type", "predict_feature", "features_to_process", "seed", "test_size", "batch_size", "epochs", "num_splits",
        "verbose", "loss", "optimizer", "metrics", "histories", "label_rules",
    ];

    private static readonly HashSet<string> Known =
    [
        "label", "dataset", "predict_rows", "apply_scaler", "min_scaler_range", "max_scaler_range", "ml_type",
        "predict_feature", "features_to_process", "ignore_features", "sort_values", "seed", "test_size", "batch_size",
        "epochs", "num_splits", "loss", "optimizer", "metrics", "histories", "model_desc", "label_rules", "max_records",
        "version", "show_model_json", "manifest", "verbose",
        // extensions
        "csv_header", "columns", "categorical_features", "log_features", "target_rules", "test_dataset", "mark_empty",
        "non_finite", "learning_rate",
        // quality extensions (QualityOptions)
        "validation_split", "early_stopping", "weight_decay", "lr_schedule", "scaler", "class_weights", "threshold", "ensemble",
        "novelty", "model_kind", "selection_split", "novelty_budget", "outlier_exposure",
    ];

    // Read by the original but without effect here (or no effect at all in the original): accepted, noted.
    private static readonly HashSet<string> AcceptedIgnored =
    [
        "scaler_cast_type", "model_json", "weights_json", "weights_file", "image_file", "should_predict", "filter_features",
        "use_existing_model", "csv_file", "meta_file", "created", "publish_to_core", "meta", "use_model_name",
    ];

    // Keys of a model_desc layer (the original's dense and dropout layers, plus batch_norm's layer_type).
    private static readonly string[] LayerKeys = ["layer_type", "num_neurons", "init", "activation", "dropout", "rate"];
    // set_if_above is read by the original's label rules.
    private static readonly string[] LabelRulesKeys = ["labels", "label_values", "set_if_above"];

    private readonly JsonElement _root;
    private readonly JsonElement? _manifest;
    private readonly List<RequestIssue> _issues = [];
    private bool _predictRowsRefused;
    private readonly List<string> _warnings = [];

    private readonly EngineLimits _limits;

    private RequestParser(JsonElement root, EngineLimits limits)
    {
        _root = root;
        _limits = limits;
        if (root.TryGetProperty("manifest", out var m))
        {
            if (m.ValueKind == JsonValueKind.Object) _manifest = m;
            else if (m.ValueKind != JsonValueKind.Null) Issue("manifest", "must be an object");
        }
    }

    public static AntiNexRequest Parse(string json, EngineLimits limits, out IReadOnlyList<string> warnings)
    {
        // Measured before parsing: a huge request is refused without building its document.
        if (json.Length > limits.MaxRequestBytes || System.Text.Encoding.UTF8.GetByteCount(json) > limits.MaxRequestBytes)
            throw new RequestException("request",
                $"is {System.Text.Encoding.UTF8.GetByteCount(json):N0} bytes, above the limit of {limits.MaxRequestBytes:N0} bytes");
        JsonDocument doc;
        try
        {
            doc = RequestJson.Parse(json);
        }
        catch (JsonException e)
        {
            throw new RequestException("request", $"malformed JSON {JsonSyntaxError.Describe(e, json)}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new RequestException("request", $"must be a JSON object, got {doc.RootElement.ValueKind}");
            var parser = new RequestParser(doc.RootElement, limits);
            var request = parser.Build();
            request.RawJson = json;
            if (parser._issues.Count > 0) throw new RequestException(parser._issues);
            warnings = parser._warnings;
            return request;
        }
    }

    private void Issue(string field, string message) => _issues.Add(new RequestIssue(field, message));

    /// <summary>Top-level value, or the manifest's when the field allows it and the top level lacks it.</summary>
    private bool TryGet(string field, out JsonElement value, out string where)
    {
        where = field;
        if (_root.TryGetProperty(field, out value)) return true;
        if (ManifestFallback.Contains(field) && _manifest is { } m && m.TryGetProperty(field, out value))
        {
            where = "manifest." + field;
            return true;
        }
        return false;
    }

    private AntiNexRequest Build()
    {
        var r = new AntiNexRequest();
        foreach (var p in _root.EnumerateObject())
        {
            if (Known.Contains(p.Name)) continue;
            _warnings.Add(AcceptedIgnored.Contains(p.Name)
                ? $"field '{p.Name}' is accepted for compatibility and has no effect"
                : $"unknown field '{p.Name}' ignored");
        }

        r.Label = String("label") ?? r.Label;
        if (string.IsNullOrWhiteSpace(r.Label)) Issue("label", "must not be empty");
        else if (LabelRule.Check(r.Label, _limits.MaxLabelLength) is { } labelProblem) Issue("label", labelProblem);

        var mlType = String("ml_type");
        if (mlType is not null)
        {
            var lower = mlType.Trim().ToLowerInvariant();
            if (!MlTypes.All.Contains(lower))
                Issue(Where("ml_type"), $"unknown ml_type '{mlType}'; {Vocabulary.Allowed(MlTypes.All)}");
            else
            {
                if (lower != mlType) _warnings.Add($"ml_type '{mlType}' read as '{lower}' (the original compared case-sensitively)");
                r.MlType = lower;
            }
        }

        r.PredictFeature = String("predict_feature");
        r.FeaturesToProcess = StringList("features_to_process") ?? [];
        r.IgnoreFeatures = StringList("ignore_features") ?? [];
        r.SortValues = StringOrList("sort_values") ?? [];
        r.Seed = Int("seed") ?? r.Seed;
        r.TestSize = Double("test_size") ?? r.TestSize;
        if (!(r.TestSize > 0 && r.TestSize < 1)) Issue(Where("test_size"),
            $"must be between 0 and 1 (exclusive), got {r.TestSize.ToString(CultureInfo.InvariantCulture)}");
        r.BatchSize = Int("batch_size") ?? r.BatchSize;
        if (r.BatchSize <= 0) Issue(Where("batch_size"), $"must be >= 1, got {r.BatchSize}");
        r.Epochs = Int("epochs") ?? r.Epochs;
        if (r.Epochs <= 0) Issue(Where("epochs"), $"must be >= 1, got {r.Epochs}");
        else if (r.Epochs > _limits.MaxEpochs) Issue(Where("epochs"), $"is {r.Epochs:N0}, above the limit of {_limits.MaxEpochs:N0} epochs");
        r.NumSplits = Int("num_splits") ?? r.NumSplits;
        if (r.NumSplits < 0) Issue(Where("num_splits"), $"must be >= 0 (0 or 1: no cross-validation), got {r.NumSplits}");

        var loss = String("loss");
        if (loss is not null)
        {
            var l = Vocabulary.NormalizeLoss(loss);
            if (!Vocabulary.Losses.Contains(l)) Issue(Where("loss"), $"unknown loss '{loss}'; {Vocabulary.Allowed(Vocabulary.Losses)}");
            r.Loss = l;
        }
        var optimizer = String("optimizer");
        if (optimizer is not null)
        {
            var o = optimizer.ToLowerInvariant();
            if (!Vocabulary.Optimizers.Contains(o)) Issue(Where("optimizer"),
                $"unknown optimizer '{optimizer}'; {Vocabulary.Allowed(Vocabulary.Optimizers)}");
            r.Optimizer = o;
        }
        r.Metrics = StringList("metrics") ?? r.Metrics;
        r.Histories = StringList("histories") ?? r.Histories;
        r.Layers = ModelDesc();
        r.LabelRules = LabelRulesField();
        r.MaxRecords = Int("max_records") ?? r.MaxRecords;
        if (r.MaxRecords <= 0) Issue("max_records", $"must be >= 1, got {r.MaxRecords}");
        if (_root.TryGetProperty("version", out var v) && v.ValueKind != JsonValueKind.Null)
            r.Version = v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText();
        r.ShowModelJson = ShowModelJson();
        r.ApplyScaler = ApplyScaler();
        r.MinScalerRange = ScalerBound("min_scaler_range") ?? r.MinScalerRange;
        r.MaxScalerRange = ScalerBound("max_scaler_range") ?? r.MaxScalerRange;
        if (r.MinScalerRange >= r.MaxScalerRange)
            Issue("min_scaler_range", $"must be below max_scaler_range ({r.MinScalerRange} >= {r.MaxScalerRange})");

        // extensions
        r.CsvHeader = Bool("csv_header") ?? true;
        r.Columns = StringList("columns");
        if (!r.CsvHeader && (r.Columns is null || r.Columns.Count == 0))
            Issue("columns", "a headerless CSV (csv_header false) needs the list of column names");
        if (r.Columns is { } cols && cols.Distinct(StringComparer.Ordinal).Count() != cols.Count)
            Issue("columns", "column names must be unique");
        r.CategoricalFeatures = StringList("categorical_features") ?? [];
        if (_root.TryGetProperty("log_features", out var lf) && lf.ValueKind == JsonValueKind.String
            && string.Equals(lf.GetString(), "auto", StringComparison.OrdinalIgnoreCase))
            r.LogFeaturesAuto = true;
        else
            r.LogFeatures = StringList("log_features") ?? [];
        r.Quality = QualityOptions.Parse(_root, Issue, _warnings.Add);
        QualityOptions.CrossCheck(r.Quality, r.NumSplits, r.MlType, Issue);
        r.TargetRules = TargetRulesField();
        r.TestDataset = String("test_dataset");
        var markEmpty = Double("mark_empty");
        r.MarkEmpty = markEmpty ?? r.MarkEmpty;
        r.MarkEmptyGiven = markEmpty is not null;
        if (!Float32Range.Fits(r.MarkEmpty)) Issue("mark_empty", Float32Range.TooLarge(r.MarkEmpty));
        var nonFinite = String("non_finite");
        r.NonFiniteGiven = nonFinite is not null;
        if (AntiNexRequest.ParseNonFinite(nonFinite) is { } asEmpty) r.NonFiniteAsEmpty = asEmpty;
        else Issue("non_finite", $"must be \"error\" (refuse NaN and Infinity cells) or \"empty\" (read them as empty cells), got \"{nonFinite}\"");
        r.LearningRate = Double("learning_rate");
        if (r.LearningRate is { } rate && !Float32Range.IsRate(rate)) Issue("learning_rate", Float32Range.NotARate(rate));
        r.ModelKind = ModelKinds.Parse(String("model_kind"), Issue);
        if (ModelKinds.IsTrees(r.ModelKind) && (r.Quality.EnsembleFolds || r.Quality.EnsembleSeeds > 1))
            Issue("ensemble", $"averages networks: it applies to model_kind network only (this request asks for {r.ModelKind})");
        if (r.Quality.OutlierExposure > 0 && r.ModelKind == ModelKinds.Network)
            Issue("outlier_exposure", "applies to the tree model kinds (fast_tree, light_gbm): model_kind network does not use it");
        if (r.Quality.OutlierExposure > 0 && r.MlType == MlTypes.Regression)
            Issue("outlier_exposure", "needs a binary classification target: a regression has no normal class");
        if (r.ModelKind == ModelKinds.Auto)
        {
            AutoRecipe.Check(r, Issue);
            AutoRecipe.FillIn(r, field => TryGet(field, out var given, out _) && given.ValueKind != JsonValueKind.Null);
        }

        // Where the data comes from: dataset, else the manifest's csv_file (manifest mode), plus predict_rows.
        r.Dataset = String("dataset");
        if (r.Dataset is null && _manifest is { } man && man.TryGetProperty("csv_file", out var csv) && csv.ValueKind == JsonValueKind.String)
        {
            r.Dataset = csv.GetString();
            r.DatasetField = "manifest.csv_file";
        }
        if (r.Dataset is not null && string.IsNullOrWhiteSpace(r.Dataset)) Issue(r.DatasetField, "must not be empty");
        r.PredictRows = PredictRowsField();
        r.HasPredictRows = r.PredictRows is not null;
        if (r.PredictRows is { } pr && pr.Rows.Count > _limits.MaxPredictRows)
            Issue("predict_rows", $"holds {pr.Rows.Count:N0} rows, above the limit of {_limits.MaxPredictRows:N0} rows per request");
        if (r.PredictRows is { } wide && wide.Columns.Count > _limits.MaxCsvColumns)
            Issue("predict_rows", $"holds {wide.Columns.Count:N0} columns, above the limit of {_limits.MaxCsvColumns:N0} (as for a CSV file)");
        // Rows that were given but refused are reported as such, not as missing data.
        if (r.Dataset is null && r.PredictRows is null && !_predictRowsRefused)
            Issue("dataset", "the request has no dataset, predict_rows or manifest.csv_file: nothing to train or predict on");

        if (string.IsNullOrWhiteSpace(r.PredictFeature))
            Issue("predict_feature", "missing: name the target column");
        else
        {
            CrossChecks(r);
            PredictRowsCheck(r);
        }
        TrainingChecks(r);
        SizeChecks(r);
        return r;
    }

    /// <summary>A first look at the networks' sizes with the listed features as inputs (one-hot adds more; the engine checks
    /// the exact counts once the data is loaded), so a huge layer, ensemble or autoencoder is refused before any data is read.</summary>
    private void SizeChecks(AntiNexRequest r)
    {
        var limit = _limits.MaxNetworkParameters;
        int inputs = Math.Max(1, r.FeaturesToProcess.Count);
        if (r.Layers is { Count: > 0 } layers)
        {
            var units = layers.Select(l => l.Units).ToList();
            var size = NetworkSize.Parameters(inputs, units);
            if (size > limit) Issue("model_desc.layers", NetworkSize.TooLarge(size, limit));
            // ensemble.folds holds its num_splits fold networks at once, as seeds holds its seeds' (the two never go together).
            else if (r.Quality.EnsembleFolds && NetworkSize.Ensemble(inputs, units, r.NumSplits) is var folds && folds > limit)
                Issue("ensemble.folds", NetworkSize.FoldsTooLarge(folds, r.NumSplits, limit));
            else if (NetworkSize.Ensemble(inputs, units, r.Quality.EnsembleSeeds) is var all && all > limit)
                Issue("ensemble", NetworkSize.EnsembleTooLarge(all, r.Quality.EnsembleSeeds, limit));
        }
        else if (r.Layers is null && r.ModelKind == ModelKinds.Auto)
            AutoNetworkCheck(r, limit);
        if (r.Quality.Novelty is { } novelty && NetworkSize.Autoencoder(inputs, novelty.Layers) is var encoder && encoder > limit)
            Issue("novelty.layers", NetworkSize.AutoencoderTooLarge(encoder, limit));
    }

    /// <summary>model_kind "auto" without model_desc trains its own network on every path (it is always a candidate), so one
    /// too large at its fewest possible inputs is refused now. Counted at the least: auto always scales, which drops a
    /// constant numeric column, so only each categorical feature is sure to be an input, and the output is one unit at least.
    /// Its own novelty detector is not checked here: above the limit it is left out with a warning, not refused.</summary>
    private void AutoNetworkCheck(AntiNexRequest r, long limit)
    {
        var chosen = r.FeaturesToProcess.Count > 0 ? r.FeaturesToProcess.ToHashSet(StringComparer.Ordinal) : null;
        int inputs = Math.Max(1, r.CategoricalFeatures
            .Where(f => f != r.PredictFeature && !r.IgnoreFeatures.Contains(f) && chosen?.Contains(f) != false).Distinct().Count());
        var units = AutoRecipe.Layers(1, regression: false).Select(l => l.Units).ToList();
        var size = NetworkSize.Parameters(inputs, units);
        if (size > limit) Issue("model_desc.layers", NetworkSize.AutoTooLarge(size, inputs, units, limit));
    }

    /// <summary>Settings that train without an error but leave a model that cannot score.</summary>
    private void TrainingChecks(AntiNexRequest r)
    {
        // Batch statistics of one row have no variance: the running variance becomes NaN and every prediction unscorable.
        if (r.BatchSize < 2 && r.Layers?.Any(l => l.BatchNorm) == true)
            Issue(Where("batch_size"), $"must be >= 2 with a batch_norm layer (it normalises over the batch's rows), got {r.BatchSize}");
        // Adam's decoupled decay and SGD's L2 scale the weights by (1 - learning_rate x weight_decay) each step: at 1 or more
        // they flip sign and grow without bound. The adaptive optimizers divide the L2 term by their running statistics.
        if (!ModelKinds.IsTrees(r.ModelKind) && r.Quality.WeightDecay > 0 && r.Optimizer is "adam" or "sgd")
        {
            var rate = r.LearningRate ?? Vocabulary.DefaultLearningRate(r.Optimizer);
            if (rate * r.Quality.WeightDecay >= 1)
                Issue("weight_decay", "learning_rate x weight_decay must be below 1 (the weights would flip sign and explode each step), got " +
                    $"{Number(rate)} x {Number(r.Quality.WeightDecay)}" +
                    (r.LearningRate is null ? $" ({r.Optimizer}'s default learning_rate)" : ""));
        }
    }

    /// <summary>Rows to predict after training on a dataset must carry every listed feature: known now, not after the training.</summary>
    private void PredictRowsCheck(AntiNexRequest r)
    {
        if (r.Dataset is null || r.PredictRows is not { } rows || r.FeaturesToProcess.Count == 0) return;
        var present = rows.Columns.ToHashSet(StringComparer.Ordinal);
        var ignored = r.IgnoreFeatures.ToHashSet(StringComparer.Ordinal);
        var lacking = r.FeaturesToProcess.Where(f => f != r.PredictFeature && !ignored.Contains(f) && !present.Contains(f)).Distinct().ToList();
        if (lacking.Count > 0)
            Issue("predict_rows", $"lack the feature{(lacking.Count > 1 ? "s" : "")} {string.Join(", ", lacking.Take(20).Select(f => $"'{f}'"))}" +
                $"{(lacking.Count > 20 ? $", ... ({lacking.Count} in all)" : "")} listed in features_to_process");
    }

    private static string Number(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private void CrossChecks(AntiNexRequest r)
    {
        var pf = r.PredictFeature!;
        if (r.CategoricalFeatures.Contains(pf)) Issue("categorical_features", $"'{pf}' is the predict_feature");
        if (r.LogFeatures.Contains(pf)) Issue("log_features", $"'{pf}' is the predict_feature");
        if (r.FeaturesToProcess.Count > 0)
        {
            var features = r.FeaturesToProcess.ToHashSet(StringComparer.Ordinal); // lists of 100,000 names: no list scans
            foreach (var c in r.CategoricalFeatures.Where(c => !features.Contains(c)))
                Issue("categorical_features", $"'{c}' is not in features_to_process");
            foreach (var c in r.LogFeatures.Where(c => !features.Contains(c)))
                Issue("log_features", $"'{c}' is not in features_to_process");
            if (features.Contains(pf))
                _warnings.Add($"features_to_process lists the predict_feature '{pf}': it is not used as a feature");
        }
        var ignored = r.IgnoreFeatures.ToHashSet(StringComparer.Ordinal);
        foreach (var c in r.CategoricalFeatures.Where(ignored.Contains))
            Issue("categorical_features", $"'{c}' is in ignore_features: it would be dropped, not one-hot encoded");
        foreach (var c in r.LogFeatures.Where(ignored.Contains))
            Issue("log_features", $"'{c}' is in ignore_features: it would be dropped, not log-transformed");
        foreach (var c in r.CategoricalFeatures.Intersect(r.LogFeatures))
            Issue("log_features", $"'{c}' is categorical; log1p applies to numeric features only");
        if (r.Columns is { } columns)
        {
            var cols = columns.ToHashSet(StringComparer.Ordinal);
            if (!cols.Contains(pf)) Issue("columns", $"does not name the predict_feature '{pf}'");
            foreach (var f in r.FeaturesToProcess.Where(f => !cols.Contains(f)))
                Issue("features_to_process", $"'{f}' is not in columns");
        }
        if (r.LabelRules is { } lr && r.IsRegression)
            _warnings.Add("label_rules has no effect for regression");
        if (r.TargetRules is not null && r.IsRegression)
            Issue("target_rules", "applies to classification only");
        // Whatever the loss, softmax over one unit outputs 1 for every row.
        if (r.Layers is { Count: > 0 } layers && r.IsClassification && layers[^1].Activation == "softmax" && layers[^1].Units == 1)
            Issue("model_desc.layers", "a 1-unit softmax output is constant; use sigmoid for a binary output");
    }

    private string Where(string field) => TryGet(field, out _, out var where) ? where : field;

    // ---------- typed readers (null when absent or JSON null; an issue when the type is wrong) ----------

    private string? String(string field)
    {
        if (!TryGet(field, out var e, out var where) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.String) return e.GetString();
        Issue(where, $"must be a string, got {Describe(e)}");
        return null;
    }

    private bool? Bool(string field)
    {
        if (!TryGet(field, out var e, out var where) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind is JsonValueKind.True or JsonValueKind.False) return e.GetBoolean();
        if (e.ValueKind == JsonValueKind.String && bool.TryParse(e.GetString(), out var b)) return b;
        Issue(where, $"must be true or false, got {Describe(e)}");
        return null;
    }

    private int? Int(string field)
    {
        if (!TryGet(field, out var e, out var where) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            return (int)d;
        if (e.ValueKind == JsonValueKind.String && int.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
            return i;
        // A whole number written as text ("5.0", "1e3") reads as the same number written as a JSON number does.
        if (WholeNumber(e) is { } whole)
        {
            if (whole is >= int.MinValue and <= int.MaxValue) return (int)whole;
            Issue(where, $"is {whole:G6}, out of range (at most {int.MaxValue:N0})");
        }
        else Issue(where, $"must be an integer, got {Describe(e)}");
        return null;
    }

    private double? Double(string field)
    {
        if (!TryGet(field, out var e, out var where) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d)) return d;
        if (e.ValueKind == JsonValueKind.String && double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
            && double.IsFinite(s))
            return s;
        Issue(where, $"must be a number, got {Describe(e)}");
        return null;
    }

    private List<string>? StringList(string field)
    {
        if (!TryGet(field, out var e, out var where) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.Array) { Issue(where, $"must be a list of strings, got {Describe(e)}"); return null; }
        // Every list names columns (or metrics): none may be longer than the widest file allowed, which also keeps the
        // checks between the lists cheap.
        if (e.GetArrayLength() is var length && length > _limits.MaxCsvColumns)
        {
            Issue(where, $"lists {length:N0} names, above the limit of {_limits.MaxCsvColumns:N0} (the most columns a dataset may have)");
            return null;
        }
        var list = new List<string>();
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String) list.Add(item.GetString()!);
            else Issue($"{where}[{i}]", $"must be a string, got {Describe(item)}");
            i++;
        }
        return list;
    }

    private List<string>? StringOrList(string field)
    {
        if (TryGet(field, out var e, out _) && e.ValueKind == JsonValueKind.String)
        {
            var s = e.GetString()!;
            return s.Length == 0 ? [] : [s];
        }
        return StringList(field);
    }

    /// <summary>The original: str(value).lower() == "true". So 1 and "1" are false (warned).</summary>
    private bool ApplyScaler()
    {
        if (!_root.TryGetProperty("apply_scaler", out var e)) return false;
        switch (e.ValueKind)
        {
            case JsonValueKind.True: return true;
            case JsonValueKind.String when string.Equals(e.GetString(), "true", StringComparison.OrdinalIgnoreCase): return true;
            case JsonValueKind.False or JsonValueKind.Null: return false;
            case JsonValueKind.String when string.Equals(e.GetString(), "false", StringComparison.OrdinalIgnoreCase): return false;
            default:
                _warnings.Add($"apply_scaler={e.GetRawText()} counts as false (only true or \"true\" enable the scaler, as in the original)");
                return false;
        }
    }

    /// <summary>The original passes the bounds through int(): 0.5 -> 0, "2" -> 2, "0.5" -> error.</summary>
    private int? ScalerBound(string field)
    {
        if (!_root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && double.IsFinite(d) && Math.Abs(d) < 1e9)
            return (int)Math.Truncate(d);
        if (e.ValueKind == JsonValueKind.String && int.TryParse(e.GetString()!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture,
            out var i))
            return i;
        Issue(field, $"must be an integer (int() of the original), got {Describe(e)}");
        return null;
    }

    private bool ShowModelJson()
    {
        if (!_root.TryGetProperty("show_model_json", out var e) || e.ValueKind == JsonValueKind.Null) return false;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d)) return d == 1;
        if (e.ValueKind == JsonValueKind.True) return true;
        if (e.ValueKind == JsonValueKind.String && int.TryParse(e.GetString(), out var i)) return i == 1;
        _warnings.Add($"show_model_json={e.GetRawText()} is not an int: treated as 0");
        return false;
    }

    private List<LayerSpec>? ModelDesc()
    {
        if (!_root.TryGetProperty("model_desc", out var desc) || desc.ValueKind == JsonValueKind.Null) return null;
        if (desc.ValueKind != JsonValueKind.Object) { Issue("model_desc", $"must be an object with \"layers\", got {Describe(desc)}"); return null; }
        if (!desc.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
        {
            Issue("model_desc.layers", "missing: a list of layers");
            return null;
        }
        var result = new List<LayerSpec>();
        int i = 0;
        foreach (var layer in layers.EnumerateArray())
        {
            var at = $"model_desc.layers[{i++}]";
            if (layer.ValueKind != JsonValueKind.Object) { Issue(at, $"must be an object, got {Describe(layer)}"); continue; }
            QualityOptions.WarnUnknownKeys(layer, at, LayerKeys, _warnings.Add);
            var type = layer.TryGetProperty("layer_type", out var t)
                && t.ValueKind == JsonValueKind.String ? t.GetString()!.ToLowerInvariant() : "dense";
            if (type == "dropout")
            {
                var rate = LayerNumber(layer, "rate", at);
                if (rate is null) { Issue($"{at}.rate", "missing: a dropout layer needs a rate"); continue; }
                if (!(rate >= 0 && rate < 1)) { Issue($"{at}.rate", $"must be in [0, 1), got {rate}"); continue; }
                if (result.Count == 0)
                {
                    Issue(at,
                    "a dropout layer cannot come first (the original gives the input dimension to the first layer only)"); continue;
                }
                result[^1] = result[^1] with { Dropout = rate.Value };
                continue;
            }
            if (type is "batch_norm" or "batchnorm" or "batch_normalization")
            {
                if (result.Count == 0)
                {
                    Issue(at,
                    "a batch_norm layer cannot come first: it normalises the preceding dense layer's output"); continue;
                }
                result[^1] = result[^1] with { BatchNorm = true };
                continue;
            }
            if (type != "dense") { _warnings.Add($"{at}: layer_type '{type}' is skipped (as in the original)"); continue; }

            int units = 0;
            if (!layer.TryGetProperty("num_neurons", out var n)) Issue($"{at}.num_neurons", "missing");
            else if (WholeNumber(n) is not { } whole || whole < 1) Issue($"{at}.num_neurons", $"must be a positive integer, got {Describe(n)}");
            else if (whole > _limits.MaxLayerUnits)
                Issue($"{at}.num_neurons", $"is {whole:G10}, above the limit of {_limits.MaxLayerUnits:N0} units per layer");
            else units = (int)whole;

            string init = "glorot_uniform";
            if (!layer.TryGetProperty("init", out var ie)) Issue($"{at}.init", $"missing; {Vocabulary.Allowed(Vocabulary.Inits)}");
            else if (ie.ValueKind != JsonValueKind.String || !Vocabulary.Inits.Contains(ie.GetString()!.ToLowerInvariant()))
                Issue($"{at}.init", $"unknown init {ie.GetRawText()}; {Vocabulary.Allowed(Vocabulary.Inits)}");
            else init = ie.GetString()!.ToLowerInvariant();

            string activation = "linear";
            if (!layer.TryGetProperty("activation", out var ae)) Issue($"{at}.activation",
                $"missing (null means linear); {Vocabulary.Allowed(Vocabulary.Activations)}");
            else if (ae.ValueKind == JsonValueKind.Null) activation = "linear";
            else if (ae.ValueKind != JsonValueKind.String || !Vocabulary.Activations.Contains(Vocabulary.NormalizeActivation(ae.GetString())))
                Issue($"{at}.activation", $"unknown activation {ae.GetRawText()}; {Vocabulary.Allowed(Vocabulary.Activations)}");
            else activation = Vocabulary.NormalizeActivation(ae.GetString());

            double dropout = 0;
            if (LayerNumber(layer, "dropout", at) is { } dr)
            {
                if (dr >= 0 && dr < 1) dropout = dr;
                else Issue($"{at}.dropout", $"must be in [0, 1), got {dr}");
            }
            result.Add(new LayerSpec(units, init, activation, dropout));
        }
        if (result.Count == 0 && !_issues.Any(x => x.Field.StartsWith("model_desc", StringComparison.Ordinal)))
            Issue("model_desc.layers", "is empty: at least one dense layer (the output layer) is needed");
        return result;
    }

    private double? LayerNumber(JsonElement layer, string name, string at)
    {
        if (!layer.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.Number) return e.GetDouble();
        if (e.ValueKind == JsonValueKind.String && double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture,
            out var d)) return d;
        Issue($"{at}.{name}", $"must be a number, got {Describe(e)}");
        return null;
    }

    private LabelRules? LabelRulesField()
    {
        if (!TryGet("label_rules", out var e, out var where) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.Object) { Issue(where, $"must be an object, got {Describe(e)}"); return null; }
        QualityOptions.WarnUnknownKeys(e, where, LabelRulesKeys, _warnings.Add);
        var hasLabels = e.TryGetProperty("labels", out var labels);
        var hasValues = e.TryGetProperty("label_values", out var values);
        if (!hasLabels && !hasValues) return null; // {} (regression files): no rules, as in the original
        if (!hasLabels || !hasValues)
        {
            Issue(where, "needs both \"labels\" and \"label_values\"");
            return null;
        }
        if (labels.ValueKind != JsonValueKind.Array || values.ValueKind != JsonValueKind.Array)
        {
            Issue(where, "labels and label_values must be lists");
            return null;
        }
        var names = new List<string>();
        foreach (var l in labels.EnumerateArray())
        {
            if (l.ValueKind == JsonValueKind.String) names.Add(l.GetString()!);
            else { Issue($"{where}.labels", $"must be strings, got {Describe(l)}"); return null; }
        }
        var vals = new List<long>();
        foreach (var v in values.EnumerateArray())
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var iv)) vals.Add(iv);
            else
            {
                Issue($"{where}.label_values",
                $"must be integers written as JSON ints (the original keys on str(int)), got {v.GetRawText()}"); return null;
            }
        }
        if (names.Count != vals.Count)
        {
            Issue(where, $"mismatched: {names.Count} labels for {vals.Count} label_values");
            return null;
        }
        if (vals.Distinct().Count() != vals.Count) { Issue($"{where}.label_values", "values must be unique"); return null; }
        return new LabelRules(names, vals);
    }

    private TargetRules? TargetRulesField()
    {
        if (!_root.TryGetProperty("target_rules", out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.Object)
        {
            Issue("target_rules",
            $"must be an object like {{\"map\": {{\"normal\": 0}}, \"default\": 1}}, got {Describe(e)}"); return null;
        }
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        if (e.TryGetProperty("map", out var m))
        {
            if (m.ValueKind != JsonValueKind.Object) { Issue("target_rules.map", "must be an object of value -> class"); return null; }
            foreach (var p in m.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var c)) map[p.Name] = c;
                else Issue($"target_rules.map.{p.Name}", $"must be an integer class, got {p.Value.GetRawText()}");
            }
        }
        double? dflt = null;
        if (e.TryGetProperty("default", out var d) && d.ValueKind != JsonValueKind.Null)
        {
            if (d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var dv)) dflt = dv;
            else Issue("target_rules.default", $"must be an integer class, got {d.GetRawText()}");
        }
        foreach (var p in e.EnumerateObject().Where(p => p.Name is not ("map" or "default")))
            _warnings.Add($"target_rules.{p.Name} is unknown and ignored");
        if (map.Count == 0 && dflt is null) Issue("target_rules", "needs a non-empty \"map\" and/or a \"default\"");
        return new TargetRules(map, dflt);
    }

    private PredictRows? PredictRowsField()
    {
        if (!_root.TryGetProperty("predict_rows", out var e) || e.ValueKind == JsonValueKind.Null) return null;
        try
        {
            if (e.ValueKind == JsonValueKind.String)
            {
                var text = e.GetString()!;
                if (string.IsNullOrWhiteSpace(text)) return null;
                using var inner = RequestJson.ParseNested(text, "predict_rows");
                return PredictRowsReader.Read(inner.RootElement);
            }
            return PredictRowsReader.Read(e);
        }
        catch (JsonException ex)
        {
            Issue("predict_rows", $"malformed JSON string {JsonSyntaxError.Describe(ex, null)}");
        }
        catch (FormatException ex)
        {
            Issue("predict_rows", ex.Message);
        }
        catch (RequestException ex) // a duplicated key or invalid text inside the string's JSON
        {
            _issues.AddRange(ex.Issues);
        }
        _predictRowsRefused = true;
        return null;
    }

    /// <summary>A whole number given as a JSON number or a numeric string (1e9 and "1000000000" alike); null otherwise.</summary>
    private static double? WholeNumber(JsonElement e)
    {
        double d;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out d)) { }
        else if (e.ValueKind != JsonValueKind.String
                 || !double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d)) return null;
        return double.IsFinite(d) && d == Math.Floor(d) ? d : null;
    }

    /// <summary>A value for an error message, cut to 60 characters (a 10,000-character label is not echoed back).</summary>
    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"\"{Cut(e.GetString()!)}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => Cut(e.GetRawText()),
    };

    private static string Cut(string s) => s.Length > 60 ? s[..60] + $"... ({s.Length:N0} characters)" : s;
}
