// What `models` shows of a stored version, kept in the catalog beside the label: listing many labels reads these cards
// instead of waking every entity (which would load every snapshot). Written when a version is stored, removed on forget.
using System.Text.Json;

namespace AntiNex.Models;

/// <summary>A stored version's event without its bulky parts (input and categorical feature names, confusion matrix): describe has
/// them.</summary>
public sealed record ModelCard(long Version, DateTimeOffset TrainedUtc, StoredModelSummary Summary, StoredModelMetrics Metrics)
{
    // A diverged fold's NaN metric is written as "NaN", not refused: the card of a served model must always be written.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static ModelCard Of(StoredModelSnapshot s) => new(s.Version, s.TrainedUtc, s.Summary.Slim(),
        s.Metrics with { ConfusionMatrix = null, ClassNames = null });

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Null for text that is not a card (then the entity is asked instead).</summary>
    public static ModelCard? FromJson(string? json)
    {
        if (json is null) return null;
        try { return JsonSerializer.Deserialize<ModelCard>(json, Json); }
        catch (JsonException) { return null; }
    }

    /// <summary>The listing entry of a label whose entity is not running: stored, not loaded, on no node.</summary>
    public ModelDescription ToDescription() => new(Summary.Label, true, Version, Summary.ToEngine(), Metrics.ToMetrics(), TrainedUtc,
        "", false, "stored", 0);

    /// <summary>A listing entry carries what the table shows; describe gives the rest.</summary>
    public static ModelDescription Slim(ModelDescription d) => d with
    {
        Summary = d.Summary is null ? null : d.Summary with { InputFeatures = [], CategoricalFeatures = null },
        Metrics = d.Metrics is null ? null : d.Metrics with { ConfusionMatrix = null, ClassNames = null },
    };
}
