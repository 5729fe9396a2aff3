using System.Text.Json;
using System.Text.Json.Nodes;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using AntiNex.Requests;

namespace AntiNex.Gateway.Commands;

/// <summary>A request file checked enough to route it: valid JSON with a non-empty label. Everything else is
/// validated by the model entity (the engine's parser), which names the fields at fault.</summary>
internal sealed record RequestFile(string Path, string Json, string Label, string ModelId)
{
    public static RequestFile Read(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"request file '{path}' does not exist");
        string json;
        try { json = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"request file '{path}' cannot be read: {e.Message}");
        }
        return FromJson(json, path);
    }

    public static RequestFile FromJson(string json, string origin)
    {
        try
        {
            using var doc = RequestJson.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new UsageException($"{origin}: the request must be a JSON object");
            if (!doc.RootElement.TryGetProperty("label", out var label))
                throw new UsageException($"{origin}: label: required, a non-empty string (it names the model)");
            if (label.ValueKind != JsonValueKind.String)
                throw new UsageException($"{origin}: label: must be a string (it names the model), got {RawJson.Shown(label)}");
            if (string.IsNullOrWhiteSpace(label.GetString()))
                throw new UsageException($"{origin}: label: must not be blank (it names the model)");
            var text = label.GetString()!;
            return new RequestFile(origin, json, text, ModelIds.FromLabel(text));
        }
        catch (JsonException je)
        {
            throw new UsageException($"{origin}: not valid JSON {JsonSyntaxError.Describe(je, json)}");
        }
        catch (RequestException re) // a duplicated key or a string that is not valid text, named by its path
        {
            throw new UsageException($"{origin}: {re.Message}");
        }
    }

    /// <summary>The same request with its "seed" replaced (train --seed N).</summary>
    public RequestFile WithSeed(int seed)
    {
        var node = JsonNode.Parse(Json, documentOptions: RequestJson.Options)!.AsObject();
        node["seed"] = seed;
        return this with { Json = node.ToJsonString() };
    }
}
