using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using AntiNex.Learning;

namespace AntiNex.Gateway.Http;

/// <summary>One JSON shape for the whole service: snake_case like the console's --json and the inference protocol.</summary>
public static class HttpJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions());

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        // application/json is never embedded in HTML here: quotes and angle brackets stay readable in error messages.
        o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        o.TypeInfoResolver = (o.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(OmitEmptyInputFeatures);
        return o;
    }

    /// <summary>A model listing's summaries carry no feature names (listing reads small catalog cards; describe has the
    /// names): the empty list is left out rather than shown as a model without inputs.</summary>
    public static void OmitEmptyInputFeatures(JsonTypeInfo info)
    {
        if (info.Type != typeof(ModelSummary)) return;
        foreach (var property in info.Properties)
            if (property.Name == "input_features")
                property.ShouldSerialize = (_, value) => value is IReadOnlyCollection<string> { Count: > 0 };
    }
}
