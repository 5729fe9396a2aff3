// Reads an Open Inference Protocol v2 inference request into feature rows in the model's input order. Two layouts:
// one tensor [rows, features] (any name), or one tensor per feature named after it, shaped [rows] or [rows, 1].
// Tensor data may be flat or nested (row-major), as the protocol allows.
using System.Text.Json;

namespace AntiNex.Gateway.Http.Inference;

public sealed record InferenceInput(string? Id, double[][] Rows, IReadOnlyList<string>? RequestedOutputs, JsonElement? Parameters)
{
    private static readonly string[] NumericTypes = ["FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"];

    /// <summary>Throws <see cref="InferenceInputException"/> naming the field at fault.</summary>
    public static InferenceInput Read(JsonElement root, IReadOnlyList<string> features)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InferenceInputException("request", "must be a JSON object");
        string? id = null;
        if (root.TryGetProperty("id", out var idElement))
        {
            if (idElement.ValueKind != JsonValueKind.String) throw new InferenceInputException("id", "must be a string");
            id = idElement.GetString();
        }
        JsonElement? parameters = null;
        if (root.TryGetProperty("parameters", out var p))
        {
            if (p.ValueKind != JsonValueKind.Object) throw new InferenceInputException("parameters", "must be an object");
            parameters = p.Clone();
        }
        if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array || inputs.GetArrayLength() == 0)
            throw new InferenceInputException("inputs", "required: a non-empty list of input tensors");
        var tensors = inputs.EnumerateArray().Select((t, i) => Tensor.Read(t, $"inputs[{i}]")).ToList();
        var rows = tensors.Count == 1 && tensors[0].Shape.Length == 2 && tensors[0].Shape[1] == features.Count && !features.Contains(tensors[0].Name)
            ? FromMatrix(tensors[0])
            : FromNamedFeatures(tensors, features);
        return new InferenceInput(id, rows, ReadOutputs(root), parameters);
    }

    private static double[][] FromMatrix(Tensor t)
    {
        var (n, width) = ((int)t.Shape[0], (int)t.Shape[1]);
        var rows = new double[n][];
        for (var r = 0; r < n; r++) rows[r] = t.Data.AsSpan(r * width, width).ToArray();
        return rows;
    }

    private static double[][] FromNamedFeatures(List<Tensor> tensors, IReadOnlyList<string> features)
    {
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!features.Contains(t.Name))
                throw new InferenceInputException($"{t.Field}.name", $"'{t.Name}' is not an input of this model: send one tensor [rows, {features.Count}] "
                    + $"or one tensor per feature ({string.Join(", ", features)})");
            if (!byName.TryAdd(t.Name, t)) throw new InferenceInputException($"{t.Field}.name", $"'{t.Name}' is given twice");
            if (t.Shape.Length is not (1 or 2) || (t.Shape.Length == 2 && t.Shape[1] != 1))
                throw new InferenceInputException($"{t.Field}.shape", $"a per-feature tensor is [rows] or [rows, 1], got [{string.Join(", ", t.Shape)}]");
        }
        var missing = features.Where(f => !byName.ContainsKey(f)).ToList();
        if (missing.Count > 0) throw new InferenceInputException("inputs", $"missing the feature tensor(s) {string.Join(", ", missing)}");
        var n = byName[features[0]].Data.Length;
        var uneven = byName.Values.FirstOrDefault(t => t.Data.Length != n);
        if (uneven is not null) throw new InferenceInputException($"{uneven.Field}.shape", $"has {uneven.Data.Length} rows, '{features[0]}' has {n}");
        var rows = new double[n][];
        for (var r = 0; r < n; r++)
        {
            var row = new double[features.Count];
            for (var f = 0; f < features.Count; f++) row[f] = byName[features[f]].Data[r];
            rows[r] = row;
        }
        return rows;
    }

    private static List<string>? ReadOutputs(JsonElement root)
    {
        if (!root.TryGetProperty("outputs", out var outputs)) return null;
        if (outputs.ValueKind != JsonValueKind.Array) throw new InferenceInputException("outputs", "must be a list of {\"name\": ...}");
        var names = new List<string>();
        var i = 0;
        foreach (var o in outputs.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                throw new InferenceInputException($"outputs[{i}].name", "required: a string");
            names.Add(name.GetString()!);
            i++;
        }
        return names;
    }

    private sealed record Tensor(string Field, string Name, long[] Shape, double[] Data)
    {
        public static Tensor Read(JsonElement t, string field)
        {
            if (t.ValueKind != JsonValueKind.Object) throw new InferenceInputException(field, "must be an object {name, shape, datatype, data}");
            if (!t.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(name.GetString()))
                throw new InferenceInputException($"{field}.name", "required: a non-empty string");
            if (!t.TryGetProperty("datatype", out var datatype) || datatype.ValueKind != JsonValueKind.String)
                throw new InferenceInputException($"{field}.datatype", "required: FP32 or FP64 (or an integer type)");
            var type = datatype.GetString()!;
            if (!NumericTypes.Contains(type))
                throw new InferenceInputException($"{field}.datatype", $"'{type}' is not supported: features are numbers (FP32, FP64, INT*, UINT*)");
            if (!t.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array || shapeElement.GetArrayLength() == 0)
                throw new InferenceInputException($"{field}.shape", "required: a list of dimensions, e.g. [rows, features]");
            var shape = new long[shapeElement.GetArrayLength()];
            var k = 0;
            foreach (var d in shapeElement.EnumerateArray())
            {
                if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0)
                    throw new InferenceInputException($"{field}.shape[{k}]", $"must be a non-negative integer, got {d.GetRawText()}");
                shape[k++] = dim;
            }
            var count = shape.Aggregate(1L, (a, b) => a * b);
            if (count == 0) throw new InferenceInputException($"{field}.shape", "has no elements: nothing to infer");
            if (!t.TryGetProperty("data", out var data)) throw new InferenceInputException($"{field}.data", "required");
            var values = new List<double>((int)Math.Min(count, 1_000_000));
            Flatten(data, values, $"{field}.data", count);
            if (values.Count != count)
                throw new InferenceInputException($"{field}.data", $"has {values.Count} elements, shape [{string.Join(", ", shape)}] needs {count}");
            return new Tensor(field, name.GetString()!, shape, values.ToArray());
        }

        private static void Flatten(JsonElement e, List<double> into, string field, long limit)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray())
                    {
                        Flatten(item, into, field, limit);
                        if (into.Count > limit) return;
                    }
                    break;
                case JsonValueKind.Number:
                    var v = e.GetDouble();
                    if (!double.IsFinite(v)) throw new InferenceInputException($"{field}[{into.Count}]", "is not a finite number");
                    into.Add(v);
                    break;
                default:
                    throw new InferenceInputException($"{field}[{into.Count}]", $"must be a number, got {e.ValueKind.ToString().ToLowerInvariant()}");
            }
        }
    }
}

public sealed class InferenceInputException(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
}
