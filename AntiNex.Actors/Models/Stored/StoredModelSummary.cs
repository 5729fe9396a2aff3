// The stored shape of a model's summary. Events and snapshots outlive engine refactors: they keep their own records,
// mapped to and from the engine's ModelSummary here, so renaming an engine member cannot break recovery.
using AntiNex.Learning;

namespace AntiNex.Models;

/// <summary>What a stored version records about its model (network or trees). Field names are the stored JSON names (snake_case);
/// never rename one: add a field (optional) or write a new manifest version.</summary>
public sealed record StoredModelSummary(
    string Label, string MlType, string PredictFeature, IReadOnlyList<string> InputFeatures, int NetworkInputs,
    DateTimeOffset CreatedUtc, double? TestAccuracy, int ArtifactBytes, string? ModelKind = null,
    IReadOnlyList<string>? CategoricalFeatures = null, double? MarkEmpty = null, string? NonFinite = null)
{
    public static StoredModelSummary From(ModelSummary s) => new(s.Label, s.MlType, s.PredictFeature, s.InputFeatures.ToList(),
        s.NetworkInputs, s.CreatedUtc, s.TestAccuracy, s.ArtifactBytes, s.ModelKind, s.CategoricalFeatures?.ToList(), s.MarkEmpty,
        s.NonFinite);

    /// <summary>What a listing card keeps: no feature names (describe has them).</summary>
    public StoredModelSummary Slim() => this with { InputFeatures = [], CategoricalFeatures = null };

    public ModelSummary ToEngine() => new()
    {
        Label = Label, MlType = MlType, PredictFeature = PredictFeature, InputFeatures = InputFeatures, NetworkInputs = NetworkInputs,
        CreatedUtc = CreatedUtc, TestAccuracy = TestAccuracy, ArtifactBytes = ArtifactBytes,
        ModelKind = ModelKind ?? "network", // versions stored before model kinds were networks
        CategoricalFeatures = CategoricalFeatures,
        // versions stored before the training's cell rules were kept read as the defaults they were served with
        MarkEmpty = MarkEmpty ?? -1,
        NonFinite = NonFinite ?? "error",
    };
}
