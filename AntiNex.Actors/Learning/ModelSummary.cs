using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Learning;

public sealed record ModelSummary
{
    public string Label { get; init; } = "";
    public string MlType { get; init; } = "classification";
    public string PredictFeature { get; init; } = "";
    /// <summary>Input columns as the request names them (before one-hot expansion), in model order.</summary>
    public IReadOnlyList<string> InputFeatures { get; init; } = [];
    /// <summary>The inputs given as text (categorical_features: the pipeline one-hot encodes them), in model order; null when
    /// unknown (a version stored before summaries named them, described without its model loaded).</summary>
    public IReadOnlyList<string>? CategoricalFeatures { get; init; }
    public int NetworkInputs { get; init; }
    public DateTimeOffset CreatedUtc { get; init; }
    public double? TestAccuracy { get; init; }
    public int ArtifactBytes { get; init; }
    /// <summary>network, fast_tree or light_gbm (request field model_kind).</summary>
    public string ModelKind { get; init; } = "network";
    /// <summary>The training request's mark_empty and non_finite ("error" or "empty"): what a predict that leaves them out
    /// reads its rows with (-1 and "error" for a version stored before they were kept).</summary>
    public double MarkEmpty { get; init; } = -1;
    public string NonFinite { get; init; } = "error";

    /// <summary>The rules the model was trained with (<see cref="MarkEmpty"/>, <see cref="NonFinite"/>).</summary>
    public CellRules TrainedCells() => new(MarkEmpty, AntiNexRequest.ParseNonFinite(NonFinite) ?? false);
}
