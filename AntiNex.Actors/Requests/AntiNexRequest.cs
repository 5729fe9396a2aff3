// CONTRACT: the parsed AntiNex request. The engine owns the parser/validator; actors only carry the raw JSON
// (requests cross the cluster as JSON text, parsed where they are used).
namespace AntiNex.Requests;

/// <summary>An AntiNex Core request (see README "Request format"). Engine fills in all fields and defaults.</summary>
public sealed class AntiNexRequest
{
    public string Label { get; set; } = "no-label-set";
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
    /// <summary>non_finite "empty": NaN and Infinity cells are read as empty cells (mark_empty); "error" (default) refuses them.</summary>
    public bool NonFiniteAsEmpty { get; set; }
    /// <summary>Whether the request wrote mark_empty (resp. non_finite): a predict that leaves one out reads its rows with
    /// the trained model's, so the default cannot silently differ from what the model was trained on.</summary>
    public bool MarkEmptyGiven { get; set; }
    public bool NonFiniteGiven { get; set; }

    /// <summary>The non_finite field's value: "error" or absent gives false, "empty" true, any other value null.</summary>
    public static bool? ParseNonFinite(string? value) => value switch
    {
        null or "error" => false,
        "empty" => true,
        _ => null,
    };
    /// <summary>Optimizer learning rate; null uses the Keras default of the optimizer.</summary>
    public double? LearningRate { get; set; }
    /// <summary>log_features: "auto": non-negative heavy-tailed numeric columns, detected on the training rows.</summary>
    public bool LogFeaturesAuto { get; set; }
    /// <summary>model_kind (<see cref="ModelKinds"/>): network (default), fast_tree, light_gbm or auto.</summary>
    public string ModelKind { get; set; } = ModelKinds.Network;
    /// <summary>Quality extensions: validation split, early stopping, schedules, scaler kind, class weights, threshold, ensemble.</summary>
    public QualityOptions Quality { get; set; } = new();

    public bool IsRegression => MlType == MlTypes.Regression;

    /// <summary>A copy whose fields can be changed without touching this request (lists and options are immutable).</summary>
    public AntiNexRequest Copy() => (AntiNexRequest)MemberwiseClone();
    public bool IsClassification => !IsRegression;

    /// <summary>Parses and validates a request. Throws <see cref="RequestException"/> listing every bad field;
    /// <paramref name="warnings"/> lists ignored/unknown fields and quirks that were applied.</summary>
    public static AntiNexRequest Parse(string json, out IReadOnlyList<string> warnings)
        => RequestParser.Parse(json, EngineLimits.Current, out warnings);

    /// <summary><see cref="Parse(string, out IReadOnlyList{string})"/> against the given limits (request size, label,
    /// epochs, layer units, network parameters, predict_rows).</summary>
    public static AntiNexRequest Parse(string json, EngineLimits limits, out IReadOnlyList<string> warnings)
        => RequestParser.Parse(json, limits, out warnings);

    /// <summary>Which request field the dataset came from ("dataset", or "manifest.csv_file").</summary>
    public string DatasetField { get; set; } = "dataset";
}
