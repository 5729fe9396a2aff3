// Reads an Open Inference Protocol v2 inference request into feature rows in the model's input order. Two layouts:
// one tensor [rows, features] (any name), or one tensor per feature named after it, shaped [rows] or [rows, 1].
// Tensor data may be flat or nested (row-major), as the protocol allows. The body is read in one pass with
// Utf8JsonReader (no document tree): the single-row infer is the service's hot path.
using System.Text;
using System.Text.Json;
using AntiNex.Models;

namespace AntiNex.Gateway.Http.Inference;

/// <summary>The rows as one row-major matrix of <see cref="Columns"/> columns (the model's input features, in order).</summary>
public sealed record InferenceInput(string? Id, int RowCount, int Columns, double[] Values, IReadOnlyList<string>? RequestedOutputs,
    bool HasParameters)
{
    /// <summary>One array per row (the AntiNex predict_rows path).</summary>
    public double[][] Rows
    {
        get
        {
            var rows = new double[RowCount][];
            for (var r = 0; r < RowCount; r++) rows[r] = Values.AsSpan(r * Columns, Columns).ToArray();
            return rows;
        }
    }

    /// <summary>The rows as the float32 block raw-row predicts carry, without a per-row copy.</summary>
    public PredictRawRows ToBlock(string modelId)
    {
        var values = new float[Values.Length];
        for (var i = 0; i < values.Length; i++) values[i] = (float)Values[i];
        return new PredictRawRows(modelId, Columns, values);
    }

    private static readonly string[] NumericTypes =
        ["FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"];

    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Throws <see cref="InferenceInputException"/> naming the field at fault, <see cref="JsonException"/> for
    /// malformed JSON.</summary>
    public static InferenceInput Read(ReadOnlySpan<byte> utf8, IReadOnlyList<string> features)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new InferenceInputException("request", "must be a JSON object");
        string? id = null;
        var parameters = false;
        List<Tensor>? tensors = null;
        List<string>? outputs = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) throw new InferenceInputException("id", "must be a string");
                id = reader.GetString();
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject) throw new InferenceInputException("parameters", "must be an object");
                reader.Skip();
                parameters = true;
            }
            else if (reader.ValueTextEquals("inputs"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray) break;
                tensors = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    tensors.Add(Tensor.Read(ref reader, $"inputs[{tensors.Count}]"));
            }
            else if (reader.ValueTextEquals("outputs"u8))
            {
                reader.Read();
                outputs = ReadOutputs(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0) reader.Read(); // throws on trailing text
        if (tensors is null || tensors.Count == 0)
            throw new InferenceInputException("inputs", "required: a non-empty list of input tensors");
        var matrix = tensors.Count == 1 && tensors[0].Shape.Length == 2 && tensors[0].Shape[1] == features.Count
            && !features.Contains(tensors[0].Name);
        var values = matrix ? tensors[0].Data : FromNamedFeatures(tensors, features);
        return new InferenceInput(id, values.Length / features.Count, features.Count, values, outputs, parameters);
    }

    private static double[] FromNamedFeatures(List<Tensor> tensors, IReadOnlyList<string> features)
    {
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!features.Contains(t.Name))
                throw new InferenceInputException($"{t.Field}.name",
                    $"'{t.Name}' is not an input of this model: send one tensor [rows, {features.Count}] "
                    + $"or one tensor per feature ({string.Join(", ", features)})");
            if (!byName.TryAdd(t.Name, t)) throw new InferenceInputException($"{t.Field}.name", $"'{t.Name}' is given twice");
            if (t.Shape.Length is not (1 or 2) || (t.Shape.Length == 2 && t.Shape[1] != 1))
                throw new InferenceInputException($"{t.Field}.shape",
                    $"a per-feature tensor is [rows] or [rows, 1], got [{string.Join(", ", t.Shape)}]");
        }
        var missing = features.Where(f => !byName.ContainsKey(f)).ToList();
        if (missing.Count > 0) throw new InferenceInputException("inputs", $"missing the feature tensor(s) {string.Join(", ", missing)}");
        var n = byName[features[0]].Data.Length;
        var uneven = byName.Values.FirstOrDefault(t => t.Data.Length != n);
        if (uneven is not null) throw new InferenceInputException($"{uneven.Field}.shape", $"has {uneven.Data.Length} rows, '{features[0]}' has {n}");
        var values = new double[n * features.Count];
        for (var f = 0; f < features.Count; f++)
        {
            var data = byName[features[f]].Data;
            for (var r = 0; r < n; r++) values[r * features.Count + f] = data[r];
        }
        return values;
    }

    /// <summary>"outputs": [{"name": ...}, ...]; the reader stands on the value's first token.</summary>
    private static List<string> ReadOutputs(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new InferenceInputException("outputs", "must be a list of {\"name\": ...}");
        var names = new List<string>(3);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var field = $"outputs[{names.Count}].name";
            if (reader.TokenType != JsonTokenType.StartObject) throw new InferenceInputException(field, "required: a string");
            string? name = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isName = reader.ValueTextEquals("name"u8);
                reader.Read();
                if (isName && reader.TokenType == JsonTokenType.String) name = reader.GetString();
                else reader.Skip();
            }
            names.Add(name ?? throw new InferenceInputException(field, "required: a string"));
        }
        return names;
    }

    /// <summary>How a token is named in an error: its JSON kind, as a user sees it.</summary>
    private static string KindOf(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => "null",
    };

    private static string RawText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"\"{reader.GetString()}\"",
        JsonTokenType.StartObject or JsonTokenType.StartArray => KindOf(reader.TokenType),
        _ => Encoding.UTF8.GetString(reader.ValueSpan),
    };

    private sealed record Tensor(string Field, string Name, long[] Shape, double[] Data)
    {
        /// <summary>One tensor object; the reader stands on its first token and ends on its last.</summary>
        public static Tensor Read(ref Utf8JsonReader reader, string field)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new InferenceInputException(field, "must be an object {name, shape, datatype, data}");
            string? name = null, type = null;
            var typeGiven = false;
            List<long>? shape = null;
            List<double>? data = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (string.IsNullOrEmpty(name)) throw new InferenceInputException($"{field}.name", "required: a non-empty string");
                }
                else if (reader.ValueTextEquals("datatype"u8))
                {
                    reader.Read();
                    typeGiven = true;
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("shape"u8))
                {
                    reader.Read();
                    shape = ReadShape(ref reader, field);
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    data = [];
                    Flatten(ref reader, data, $"{field}.data");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (name is null) throw new InferenceInputException($"{field}.name", "required: a non-empty string");
            if (!typeGiven || type is null) throw new InferenceInputException($"{field}.datatype", "required: FP32 or FP64 (or an integer type)");
            if (!NumericTypes.Contains(type))
                throw new InferenceInputException($"{field}.datatype", $"'{type}' is not supported: features are numbers (FP32, FP64, INT*, UINT*)");
            if (shape is null || shape.Count == 0)
                throw new InferenceInputException($"{field}.shape", "required: a list of dimensions, e.g. [rows, features]");
            var count = shape.Aggregate(1L, (a, b) => a * b);
            if (count == 0) throw new InferenceInputException($"{field}.shape", "has no elements: nothing to infer");
            if (data is null) throw new InferenceInputException($"{field}.data", "required");
            if (data.Count != count)
                throw new InferenceInputException($"{field}.data", $"has {data.Count} elements, shape [{string.Join(", ", shape)}] needs {count}");
            return new Tensor(field, name, [.. shape], [.. data]);
        }

        private static List<long> ReadShape(ref Utf8JsonReader reader, string field)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                throw new InferenceInputException($"{field}.shape", "required: a list of dimensions, e.g. [rows, features]");
            }
            var shape = new List<long>(2);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var dim) || dim < 0)
                    throw new InferenceInputException($"{field}.shape[{shape.Count}]",
                        $"must be a non-negative integer, got {RawText(ref reader)}");
                shape.Add(dim);
            }
            return shape;
        }

        private static void Flatten(ref Utf8JsonReader reader, List<double> into, string field)
        {
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) Flatten(ref reader, into, field);
                return;
            }
            if (reader.TokenType != JsonTokenType.Number)
                throw new InferenceInputException($"{field}[{into.Count}]", $"must be a number, got {KindOf(reader.TokenType)}");
            if (!reader.TryGetDouble(out var v) || !double.IsFinite(v))
                throw new InferenceInputException($"{field}[{into.Count}]", "is not a finite number");
            into.Add(v);
        }
    }
}

public sealed class InferenceInputException(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
}
