using System.Text.Json.Serialization;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>Everything about a trained model except its weights; serialised as JSON inside the artifact.</summary>
internal sealed record ModelState
{
    public string Label { get; init; } = "";
    public string MlType { get; init; } = MlTypes.Classification;
    public string PredictFeature { get; init; } = "";
    public TaskKind Task { get; init; }
    public FeaturePipeline Pipeline { get; init; } = new();
    public IReadOnlyList<LayerSpec> Layers { get; init; } = [];
    public int NetworkInputs { get; init; }
    public TargetCodec Target { get; init; } = new();
    public LabelRules? LabelRules { get; init; }
    public TargetRules? TargetRules { get; init; }
    public DateTimeOffset CreatedUtc { get; init; }
    public int Seed { get; init; }
    public string Loss { get; init; } = "";
    public string Optimizer { get; init; } = "";
    public double? TestAccuracy { get; init; }
    public double? Precision { get; init; }
    public double? Recall { get; init; }
    public double? F1 { get; init; }
    public double? RocAuc { get; init; }
    public double? Mse { get; init; }
    public double? Mae { get; init; }
    public double? R2 { get; init; }
    public double? CvMean { get; init; }
    public int TrainRows { get; init; }
    /// <summary>The training CSV's layout, reused when a predict request names a dataset without its own columns.</summary>
    public bool CsvHeader { get; init; } = true;
    public IReadOnlyList<string>? Columns { get; init; }
    /// <summary>The training request's mark_empty and non_finite ("empty"): a predict that leaves them out reads its rows with
    /// these. Null is the default (-1, "error"), left out of the artifact: a model trained with the defaults, and every
    /// artifact written before they were kept, has the same bytes as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MarkEmpty { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NonFinite { get; init; }
    public int TestRows { get; init; }
    /// <summary>Binary decision threshold: chosen on the validation split or the out-of-fold predictions, or fixed by the request
    /// or by model_kind auto (null: 0.5, and every version-1 artifact).</summary>
    public double? Threshold { get; init; }
    /// <summary>Networks averaged at predict time (ensemble.seeds); 1 for every version-1 artifact.</summary>
    public int EnsembleSize { get; init; } = 1;
    /// <summary>Normal-profile novelty detector (request field novelty); null: none, and every version-1/2 artifact.
    /// Its autoencoder weights are the artifact tensors named "novelty.*".</summary>
    public NoveltyState? Novelty { get; init; }
    /// <summary>null: a dense network (every artifact before version 4, and every network since: its bytes are unchanged);
    /// fast_tree / light_gbm: a tree ensemble, whose model is the artifact blob "trees" (no tensors, no layers).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ModelKind { get; init; }

    /// <summary>The served kind as reports name it.</summary>
    [JsonIgnore]
    public string ServedKind => ModelKind ?? Trees.TreeKinds.Network;
}
