// Reads an Open Inference Protocol v2 inference request into feature rows in the model's input order. Two layouts:
// one tensor [rows, inputs] of numbers (any name; a categorical input's numbers are matched by their text), or one tensor
// per input, named after it, shaped [rows] or [rows, 1]: numbers (FP16, FP32, FP64, INT*, UINT*) for a numeric input, strings
// (BYTES) or numbers for a categorical one. Tensor data may be flat or nested (row-major), as the protocol allows. The body is read
// in one pass with Utf8JsonReader (no document tree): the single-row infer is the service's hot path.
using System.Text;
using System.Text.Json;
using AntiNex.Learning;
using AntiNex.Models;

namespace AntiNex.Gateway.Http.Inference;

/// <summary>The rows as one row-major matrix of <see cref="Columns"/> columns (the model's input features, in order).</summary>
public sealed record InferenceInput(string? Id, int RowCount, int Columns, double[] Values, IReadOnlyList<string>? RequestedOutputs,
    bool HasParameters)
{
    /// <summary>Per input column, the rows' text of an input given as text, or of a categorical input given numbers beside
    /// such an input (its cells in <see cref="Values"/> are unused); null for a numeric input. Null as a whole when no
    /// tensor is text.</summary>
    public string[]?[]? Text { get; init; }

    /// <summary>Rows with text cells go as predict_rows (the model's pipeline encodes the text), never as a float32 block.</summary>
    public bool HasText => Text is not null;
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

    /// <summary>Columns whose values must reach the model exactly (categorical codes are matched as text): null = none.</summary>
    public bool[]? ExactColumns { get; init; }

    /// <summary>Every value may travel as float32, the raw-row block's type, without changing the answer: it is exactly a
    /// float, or a plain number below 2^24 in magnitude (the rounding is then far below any scaling's resolution). A
    /// categorical code must be exact; a large value that is not (a 32-bit sequence number, an epoch time in ms) goes
    /// the float64 way, as do NaN and values beyond float32's range.</summary>
    public bool FitsFloat32
    {
        get
        {
            for (var i = 0; i < Values.Length; i++)
            {
                var v = Values[i];
                if ((double)(float)v == v) continue;
                if (ExactColumns is { } exact && exact[i % Columns]) return false;
                if (!(Math.Abs(v) < 16_777_216)) return false;
            }
            return true;
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
        ["FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"];

    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Throws <see cref="InferenceInputException"/> naming the field at fault, <see cref="JsonException"/> for
    /// malformed JSON.</summary>
    public static InferenceInput Read(ReadOnlySpan<byte> utf8, IReadOnlyList<string> features) => Read(utf8, new ModelInputs(features, []));

    /// <inheritdoc cref="Read(ReadOnlySpan{byte}, IReadOnlyList{string})"/>
    public static InferenceInput Read(ReadOnlySpan<byte> utf8, ModelInputs inputs)
    {
        // A UTF-8 byte order mark (some editors and Windows tools write one) is not JSON; /api accepts it too.
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new InferenceInputException("request", "must be a JSON object");
        string? id = null;
        var parameters = false;
        List<Tensor>? tensors = null;
        List<string>? outputs = null;
        var seen = new KeysSeen();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                seen.Once(0, null, "id");
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) throw new InferenceInputException("id", "must be a string");
                id = reader.GetString();
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                seen.Once(1, null, "parameters");
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject) throw new InferenceInputException("parameters", "must be an object");
                reader.Skip();
                parameters = true;
            }
            else if (reader.ValueTextEquals("inputs"u8))
            {
                seen.Once(2, null, "inputs");
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray) break;
                tensors = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    tensors.Add(Tensor.Read(ref reader, $"inputs[{tensors.Count}]"));
            }
            else if (reader.ValueTextEquals("outputs"u8))
            {
                seen.Once(3, null, "outputs");
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
        var input = IsSingleTensor(tensors, inputs) ? FromSingleTensor(tensors[0], inputs) : FromNamedInputs(tensors, inputs);
        return input with { Id = id, RequestedOutputs = outputs, HasParameters = parameters };
    }

    /// <summary>One tensor not named after an input is the [rows, inputs] form, unless it is shaped like a per-input tensor
    /// ([rows] or [rows, 1]) while the model has several inputs: then its name is what is wrong, not its shape.</summary>
    private static bool IsSingleTensor(List<Tensor> tensors, ModelInputs inputs)
    {
        if (tensors.Count != 1 || inputs.IndexOf(tensors[0].Name) >= 0) return false;
        var shape = tensors[0].Shape;
        return inputs.Count == 1 || !(shape.Length == 1 || (shape.Length == 2 && shape[1] == 1));
    }

    private static InferenceInput FromSingleTensor(Tensor t, ModelInputs inputs)
    {
        if (t.Shape.Length != 2 || t.Shape[1] != inputs.Count)
            throw new InferenceInputException($"{t.Field}.shape", $"one tensor of any name must be [rows, {inputs.Count}] (a column per input, "
                + $"in the order of the model's metadata), got {Dimensions(t.Shape)}");
        if (t.IsText)
            throw new InferenceInputException($"{t.Field}.datatype",
                $"one [rows, {inputs.Count}] tensor holds numbers (FP16, FP32, FP64, INT*, UINT*), got BYTES" + (inputs.Categorical.Count > 0
                    ? $"; send text for {string.Join(", ", inputs.Categorical)} as one tensor per input, named after it" : ""));
        var values = t.Numbers();
        return new InferenceInput(null, values.Length / inputs.Count, inputs.Count, values, null, false) { ExactColumns = Exact(inputs) };
    }

    private static InferenceInput FromNamedInputs(List<Tensor> tensors, ModelInputs inputs)
    {
        var byInput = new Tensor?[inputs.Count];
        foreach (var t in tensors)
        {
            var index = inputs.IndexOf(t.Name);
            if (index < 0)
                throw new InferenceInputException($"{t.Field}.name", $"'{t.Name}' is not an input of this model: send "
                    + (inputs.Categorical.Count == 0 ? $"one tensor [rows, {inputs.Count}] or " : "")
                    + $"one tensor per input ({string.Join(", ", inputs.Names)})");
            if (byInput[index] is not null) throw new InferenceInputException($"{t.Field}.name", $"'{t.Name}' is given twice");
            if (t.Shape.Length is not (1 or 2) || (t.Shape.Length == 2 && t.Shape[1] != 1))
                throw new InferenceInputException($"{t.Field}.shape", $"a per-input tensor is [rows] or [rows, 1], got {Dimensions(t.Shape)}");
            if (!inputs.TakesText(index) && t.IsText)
                throw new InferenceInputException($"{t.Field}.datatype",
                    $"'{t.Name}' is a numeric input: send numbers (FP16, FP32, FP64, INT*, UINT*), got BYTES");
            byInput[index] = t;
        }
        var missing = inputs.Names.Where((_, i) => byInput[i] is null).ToList();
        if (missing.Count > 0) throw new InferenceInputException("inputs", $"missing the feature tensor(s) {string.Join(", ", missing)}");
        var first = byInput[0]!;
        var n = first.Length;
        var uneven = byInput.FirstOrDefault(t => t!.Length != n);
        if (uneven is not null) throw new InferenceInputException($"{uneven.Field}.shape", $"has {uneven.Length} rows, '{first.Name}' has {n}");
        var values = new double[n * inputs.Count];
        // Rows with text go to the model as predict_rows; without any they keep the all-number raw-row path.
        var text = byInput.Any(t => t!.IsText) ? new string[]?[inputs.Count] : null;
        for (var f = 0; f < inputs.Count; f++)
        {
            var t = byInput[f]!;
            if (t.IsText)
            {
                text![f] = t.Strings();
                continue;
            }
            var data = t.Numbers();
            // A categorical input given numbers beside text inputs: the category their text names, as the raw-row path reads it.
            if (text is not null && inputs.IsCategorical(f)) text[f] = data.Select(FeaturePipeline.CategoryOf).ToArray();
            else for (var r = 0; r < n; r++) values[r * inputs.Count + f] = data[r];
        }
        return new InferenceInput(null, n, inputs.Count, values, null, false) { Text = text, ExactColumns = Exact(inputs) };
    }

    /// <summary>Categorical inputs (every input of an older model that does not list them): their codes are matched as text.</summary>
    private static bool[] Exact(ModelInputs inputs) => Enumerable.Range(0, inputs.Count).Select(i => inputs.TakesText(i)).ToArray();

    private static string Dimensions(long[] shape) => $"[{string.Join(", ", shape)}]";

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
            var seen = new KeysSeen();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isName = reader.ValueTextEquals("name"u8);
                if (isName) seen.Once(0, field, null);
                reader.Read();
                if (isName && reader.TokenType == JsonTokenType.String) name = reader.GetString();
                else reader.Skip();
            }
            if (name is null) throw new InferenceInputException(field, "required: a string");
            if (names.Contains(name)) throw new InferenceInputException(field, $"'{name}' is asked for twice");
            names.Add(name);
        }
        // An empty list would answer with nothing at all: say so rather than return an empty 200.
        if (names.Count == 0) throw new InferenceInputException("outputs", "is empty: name at least one output, or leave the field out for all");
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

    /// <summary>One input tensor as sent. Its elements are kept as given (numbers, strings): whether they fit is decided
    /// once it is known which input the tensor feeds, so a wrong datatype is named before a wrong element.</summary>
    private sealed class Tensor(string field, string name, string datatype, long[] shape, Elements elements)
    {
        public string Field { get; } = field;
        public string Name { get; } = name;
        public string Datatype { get; } = datatype;
        public long[] Shape { get; } = shape;
        public int Length => elements.Count;
        public bool IsText => Datatype == ModelInputs.Text;

        /// <summary>The elements of a numeric tensor; throws naming the first one that is not a number, or that its
        /// datatype cannot hold (see <see cref="DatatypeRange"/>).</summary>
        public double[] Numbers()
        {
            if (elements.FirstString >= 0)
                throw new InferenceInputException($"{Field}.data[{elements.FirstString}]",
                    $"must be a number ('{Name}' is a {Datatype} tensor), got string");
            double[] values = [.. elements.Numbers];
            if (DatatypeRange.FirstMisfit(Datatype, values) is (var index, var problem))
                throw new InferenceInputException($"{Field}.data[{index}]", $"{problem} ('{Name}' is a {Datatype} tensor)");
            return values;
        }

        /// <summary>The elements of a BYTES tensor; throws naming the first one that is not a string.</summary>
        public string[] Strings()
        {
            if (elements.FirstNumber >= 0)
                throw new InferenceInputException($"{Field}.data[{elements.FirstNumber}]",
                    $"must be a string ('{Name}' is a categorical input, sent as BYTES), got number");
            return [.. elements.Strings ?? []];
        }

        /// <summary>One tensor object; the reader stands on its first token and ends on its last.</summary>
        public static Tensor Read(ref Utf8JsonReader reader, string field)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new InferenceInputException(field, "must be an object {name, shape, datatype, data}");
            string? name = null, type = null;
            var typeGiven = false;
            List<long>? shape = null;
            Elements? data = null;
            var seen = new KeysSeen();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    seen.Once(0, field, "name");
                    reader.Read();
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (string.IsNullOrEmpty(name)) throw new InferenceInputException($"{field}.name", "required: a non-empty string");
                }
                else if (reader.ValueTextEquals("datatype"u8))
                {
                    seen.Once(1, field, "datatype");
                    reader.Read();
                    typeGiven = true;
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("shape"u8))
                {
                    seen.Once(2, field, "shape");
                    reader.Read();
                    shape = ReadShape(ref reader, field);
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    seen.Once(3, field, "data");
                    reader.Read();
                    data = new Elements();
                    Flatten(ref reader, data, $"{field}.data");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (name is null) throw new InferenceInputException($"{field}.name", "required: a non-empty string");
            if (!typeGiven || type is null)
                throw new InferenceInputException($"{field}.datatype", "required: FP32 or FP64 (or an integer type); BYTES for a categorical input");
            if (type != ModelInputs.Text && !NumericTypes.Contains(type))
                throw new InferenceInputException($"{field}.datatype",
                    $"'{type}' is not supported: numeric inputs take FP16, FP32, FP64, INT* or UINT*, categorical inputs BYTES");
            if (shape is null || shape.Count == 0)
                throw new InferenceInputException($"{field}.shape", "required: a list of dimensions, e.g. [rows, features]");
            long count;
            try { count = shape.Aggregate(1L, (a, b) => checked(a * b)); }
            catch (OverflowException)
            {
                throw new InferenceInputException($"{field}.shape", $"[{string.Join(", ", shape)}] holds too many elements");
            }
            if (count == 0) throw new InferenceInputException($"{field}.shape", "has no elements: nothing to infer");
            if (data is null) throw new InferenceInputException($"{field}.data", "required");
            if (data.Count != count)
                throw new InferenceInputException($"{field}.data", $"has {data.Count} elements, shape [{string.Join(", ", shape)}] needs {count}");
            return new Tensor(field, name, type, [.. shape], data);
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

        private static void Flatten(ref Utf8JsonReader reader, Elements into, string field)
        {
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) Flatten(ref reader, into, field);
                return;
            }
            if (reader.TokenType == JsonTokenType.String)
            {
                try { into.Add(reader.GetString()!); }
                catch (InvalidOperationException) // an escape of half a surrogate pair: no text to match
                {
                    throw new InferenceInputException($"{field}[{into.Count}]", "is not valid text (an unpaired surrogate escape)");
                }
                return;
            }
            if (reader.TokenType != JsonTokenType.Number)
                throw new InferenceInputException($"{field}[{into.Count}]",
                    $"must be a number (or a string, in a BYTES tensor), got {KindOf(reader.TokenType)}");
            if (!reader.TryGetDouble(out var v) || !double.IsFinite(v))
                throw new InferenceInputException($"{field}[{into.Count}]", "is not a finite number");
            into.Add(v);
        }
    }

    /// <summary>The keys an object of the request has given so far, one bit each: a key the reader uses may come once (a second
    /// would silently replace the first). Keys the reader skips are not tracked.</summary>
    private struct KeysSeen
    {
        private int _bits;

        /// <summary>The field is named as <paramref name="at"/>.<paramref name="key"/>, built only for the error.</summary>
        public void Once(int bit, string? at, string? key)
        {
            if ((_bits & (1 << bit)) != 0)
                throw new InferenceInputException(at is null ? key! : key is null ? at : $"{at}.{key}", "appears more than once");
            _bits |= 1 << bit;
        }
    }

    /// <summary>A tensor's flattened elements: numbers, and strings only once one is seen (a numeric tensor allocates none).</summary>
    private sealed class Elements
    {
        public List<double> Numbers { get; } = [];
        public List<string>? Strings { get; private set; }
        public int Count { get; private set; }
        public int FirstString { get; private set; } = -1;
        public int FirstNumber { get; private set; } = -1;

        public void Add(double value)
        {
            if (FirstNumber < 0) FirstNumber = Count;
            Numbers.Add(value);
            Count++;
        }

        public void Add(string value)
        {
            if (FirstString < 0) FirstString = Count;
            (Strings ??= []).Add(value);
            Count++;
        }
    }
}

public sealed class InferenceInputException(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
}
