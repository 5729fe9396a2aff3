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
            if (LabelIssue(doc.RootElement) is { } issue) throw new UsageException($"{origin}: {issue}");
            var text = doc.RootElement.GetProperty("label").GetString()!;
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

    /// <summary>What is wrong with a request's label (missing, not a string, blank); null when it names a model.</summary>
    public static RequestIssue? LabelIssue(JsonElement request)
    {
        if (!request.TryGetProperty("label", out var label)) return new RequestIssue("label", "required, a non-empty string (it names the model)");
        if (label.ValueKind != JsonValueKind.String)
            return new RequestIssue("label", $"must be a string (it names the model), got {RawJson.Shown(label)}");
        return string.IsNullOrWhiteSpace(label.GetString()) ? new RequestIssue("label", "must not be blank (it names the model)") : null;
    }

    /// <summary>What a node would refuse of the request at once (the engine's parser, as validate runs it), found before
    /// anything is sent. The limits are the nodes' own to apply: theirs may differ from this process's.</summary>
    /// <exception cref="UsageException">naming each field at fault.</exception>
    public RequestFile Checked()
    {
        var rowsOnly = false;
        var checkedJson = Json.Length <= FullCheckChars ? Json : WithoutRows(out rowsOnly);
        try { AntiNexRequest.Parse(checkedJson, NodesDecide, out _); }
        catch (RequestException e)
        {
            // Rows left out of the check are still the data the request predicts on: "no dataset" is not an issue then.
            var issues = rowsOnly ? e.Issues.Where(i => i.Field != "dataset").ToList() : e.Issues;
            if (issues.Count > 0) throw new UsageException($"{Path}: {string.Join("; ", issues)}");
        }
        return this;
    }

    /// <summary>Above this size predict_rows are left out of <see cref="Checked"/>: a large request's rows are read as a
    /// float32 block by the gateway (which names a bad cell), and the parser's table of them would cost many times the text.</summary>
    private const int FullCheckChars = 8 << 20;

    /// <summary>The request without its predict_rows; <paramref name="rowsOnly"/>: it had rows and no dataset.</summary>
    private string WithoutRows(out bool rowsOnly)
    {
        using var doc = RequestJson.Parse(Json);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var p in doc.RootElement.EnumerateObject().Where(p => p.Name != "predict_rows")) p.WriteTo(writer);
            writer.WriteEndObject();
        }
        rowsOnly = doc.RootElement.TryGetProperty("predict_rows", out _) && !doc.RootElement.TryGetProperty("dataset", out _);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The nodes may run with limits of their own (epochs, layer sizes, ...): those are theirs to apply.</summary>
    internal static readonly EngineLimits NodesDecide = new()
    {
        MaxRequestBytes = int.MaxValue,
        MaxPredictRows = int.MaxValue,
        MaxCsvColumns = int.MaxValue, // also bounds name lists and predict_rows columns
        MaxLayerUnits = int.MaxValue,
        MaxNetworkParameters = long.MaxValue,
        MaxEpochs = int.MaxValue,
        MaxLabelLength = int.MaxValue,
    };

    /// <summary>The same request with its "seed" replaced (train --seed N).</summary>
    public RequestFile WithSeed(int seed)
    {
        var node = JsonNode.Parse(Json, documentOptions: RequestJson.Options)!.AsObject();
        node["seed"] = seed;
        return this with { Json = node.ToJsonString() };
    }
}
