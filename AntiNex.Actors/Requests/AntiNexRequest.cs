// CONTRACT: the parsed AntiNex request. The engine owns the parser/validator; actors only carry the raw JSON
// (requests cross the cluster as JSON text, parsed where they are used).
namespace AntiNex.Requests;

public sealed record RequestIssue(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

public sealed class RequestException(IReadOnlyList<RequestIssue> issues)
    : Exception(string.Join("; ", issues.Select(i => i.ToString())))
{
    public IReadOnlyList<RequestIssue> Issues { get; } = issues;
    public RequestException(string field, string message) : this([new RequestIssue(field, message)]) { }
}

/// <summary>An AntiNex Core request (see README "Request format"). Engine fills in all fields and defaults.</summary>
public sealed class AntiNexRequest
{
    public string Label { get; set; } = "no-label-set";
    /// <summary>The original AntiNex's model-buffer key: label trimmed and lower-cased.</summary>
    public string ModelKey => Label.Trim().ToLowerInvariant();
    public string? Dataset { get; set; }
    public bool HasPredictRows { get; set; }
    /// <summary>The request as received, for forwarding across the cluster unchanged.</summary>
    public string RawJson { get; set; } = "{}";

    // ---- original AntiNex fields (defaults are the original's) ----
    public string MlType { get; set; } = MlTypes.Classification;
    public string? PredictFeature { get; set; }
    public IReadOnlyList<string> FeaturesToProcess { get; set; } = [];
    public IReadOnlyList<string> IgnoreFeatures { get; set; } = [];
    public IReadOnlyList<string> SortValues { get; set; } = [];
    public int Seed { get; set; } = 9;
    public double TestSize { get; set; } = 0.2;
    public int BatchSize { get; set; } = 32;
    public int Epochs { get; set; } = 5;
    public int NumSplits { get; set; } = 2;
    /// <summary>The original's default loss is mse, even for classification.</summary>
    public string Loss { get; set; } = "mse";
    public string Optimizer { get; set; } = "adam";
    public IReadOnlyList<string> Metrics { get; set; } = ["accuracy"];
    public IReadOnlyList<string> Histories { get; set; } = ["val_loss", "val_acc", "loss", "acc"];
    /// <summary>null: the default 8-6-1 network.</summary>
    public IReadOnlyList<LayerSpec>? Layers { get; set; }
    public LabelRules? LabelRules { get; set; }
    public int MaxRecords { get; set; } = 100_000;
    public string? Version { get; set; }
    public bool ShowModelJson { get; set; }
    public bool ApplyScaler { get; set; }
    public int MinScalerRange { get; set; } = -1;
    public int MaxScalerRange { get; set; } = 1;
    public PredictRows? PredictRows { get; set; }

    // ---- extensions (README "Request extensions") ----
    public bool CsvHeader { get; set; } = true;
    public IReadOnlyList<string>? Columns { get; set; }
    public IReadOnlyList<string> CategoricalFeatures { get; set; } = [];
    public IReadOnlyList<string> LogFeatures { get; set; } = [];
    public TargetRules? TargetRules { get; set; }
    public string? TestDataset { get; set; }
    /// <summary>Value for empty CSV cells (the AntiNex datasets mark "absent" as -1).</summary>
    public double MarkEmpty { get; set; } = -1;
    /// <summary>Optimizer learning rate; null uses the Keras default of the optimizer.</summary>
    public double? LearningRate { get; set; }
    /// <summary>log_features: "auto": non-negative heavy-tailed numeric columns, detected on the training rows.</summary>
    public bool LogFeaturesAuto { get; set; }
    /// <summary>Quality extensions: validation split, early stopping, schedules, scaler kind, class weights, threshold, ensemble.</summary>
    public QualityOptions Quality { get; set; } = new();

    public bool IsRegression => MlType == MlTypes.Regression;
    public bool IsClassification => !IsRegression;

    /// <summary>Parses and validates a request. Throws <see cref="RequestException"/> listing every bad field;
    /// <paramref name="warnings"/> lists ignored/unknown fields and quirks that were applied.</summary>
    public static AntiNexRequest Parse(string json, out IReadOnlyList<string> warnings)
        => RequestParser.Parse(json, out warnings);

    /// <summary>Which request field the dataset came from ("dataset", or "manifest.csv_file").</summary>
    public string DatasetField { get; set; } = "dataset";
}

public static class MlTypes
{
    public const string Classification = "classification";
    public const string Regression = "regression";
    public const string Standalone = "standalone-classification";
    public static readonly IReadOnlyList<string> All = [Classification, Regression, Standalone];
}

/// <summary>One dense layer of model_desc (a dropout entry of the original becomes the previous layer's Dropout).</summary>
public sealed record LayerSpec(int Units, string Init, string Activation, double Dropout = 0)
{
    /// <summary>A batch_norm layer after this dense layer: normalises its output before the activation.</summary>
    public bool BatchNorm { get; init; }
}

/// <summary>Predicted class value to display name (the original's label_rules).</summary>
public sealed record LabelRules(IReadOnlyList<string> Labels, IReadOnlyList<long> LabelValues)
{
    public string? NameOf(double value)
    {
        for (int i = 0; i < LabelValues.Count; i++)
            if (LabelValues[i] == value) return Labels[i];
        return null;
    }
}

/// <summary>Extension: maps raw target values (strings or numbers) to class values, e.g. {"map":{"normal":0},"default":1}.</summary>
public sealed record TargetRules(IReadOnlyDictionary<string, double> Map, double? Default)
{
    public bool TryMap(string raw, out double value)
    {
        if (Map.TryGetValue(raw, out value)) return true;
        if (Map.TryGetValue(raw.Trim(), out value)) return true;
        if (Default is { } d) { value = d; return true; }
        value = 0;
        return false;
    }
}

/// <summary>predict_rows as a table: column names in first-seen order, cells as JSON values (number, string or null).</summary>
public sealed record PredictRows(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows);
