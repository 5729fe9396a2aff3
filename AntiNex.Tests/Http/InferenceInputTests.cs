// Reading inference tensors against a model's declared inputs, without a cluster: categorical inputs as BYTES (text the
// model's pipeline encodes), numeric inputs as numbers, the single [rows, inputs] tensor, and errors that name the field
// at fault and say what is expected.
using System.Text;
using System.Text.Json;
using AntiNex.Gateway.Http.Inference;
using AntiNex.Learning;

namespace AntiNex.Tests.Http;

public sealed class InferenceInputTests
{
    private static readonly ModelInputs Mixed = new(["protocol_type", "src_bytes", "flag"], ["protocol_type", "flag"]);
    private static readonly ModelInputs Numeric = new(["a", "b", "c"], []);
    /// <summary>A version stored before summaries listed the categorical inputs: which ones are is not known here.</summary>
    private static readonly ModelInputs Unlisted = new(["protocol_type", "src_bytes", "flag"], null);

    private static InferenceInput Read(string json, ModelInputs inputs) => InferenceInput.Read(Encoding.UTF8.GetBytes(json), inputs);

    private static InferenceInputException Refused(string json, ModelInputs inputs)
        => Assert.Throws<InferenceInputException>(() => Read(json, inputs));

    [Fact]
    public void Categorical_inputs_are_read_as_text_and_numeric_ones_as_numbers()
    {
        var input = Read("""
            {"inputs": [{"name": "flag", "shape": [2, 1], "datatype": "BYTES", "data": [["SF"], ["REJ"]]},
                        {"name": "src_bytes", "shape": [2], "datatype": "INT64", "data": [181, 0]},
                        {"name": "protocol_type", "shape": [2], "datatype": "BYTES", "data": ["tcp", "icmp"]}]}
            """, Mixed);
        Assert.Equal(2, input.RowCount);
        Assert.True(input.HasText);
        Assert.Equal(["tcp", "icmp"], input.Text![0]!);
        Assert.Null(input.Text[1]);
        Assert.Equal(["SF", "REJ"], input.Text[2]!);
        Assert.Equal([181.0, 0.0], [input.Values[1], input.Values[4]]);
    }

    [Fact]
    public void A_body_that_starts_with_a_utf8_byte_order_mark_is_read()
    {
        var json = """{"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}""";
        var input = InferenceInput.Read([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(json)], Numeric);
        Assert.Equal(1, input.RowCount);
        Assert.Equal([1.0, 2, 3], input.Values);
    }

    [Fact]
    public void Rows_with_text_become_predict_rows_with_the_text_and_the_numbers()
    {
        var input = Read("""
            {"inputs": [{"name": "protocol_type", "shape": [2], "datatype": "BYTES", "data": ["tcp", "udp"]},
                        {"name": "src_bytes", "shape": [2], "datatype": "FP64", "data": [1.5, 7]},
                        {"name": "flag", "shape": [2], "datatype": "BYTES", "data": ["SF", "S0"]}]}
            """, Mixed);
        var summary = new ModelSummary { MlType = "classification", PredictFeature = "class", InputFeatures = Mixed.Names };
        using var json = JsonDocument.Parse(PredictRowsRequest.Json("m", summary, input, 1, 1));
        var rows = json.RootElement.GetProperty("predict_rows");
        Assert.Equal(1, json.RootElement.GetProperty("max_records").GetInt32());
        Assert.Equal("""[{"protocol_type":"udp","src_bytes":7,"flag":"S0"}]""", rows.GetRawText());
    }

    [Fact]
    public void Metadata_declares_categorical_inputs_as_BYTES_and_numeric_ones_as_FP64()
    {
        var summary = new ModelSummary
        {
            Label = "m", InputFeatures = Mixed.Names, CategoricalFeatures = Mixed.Categorical, MlType = "classification",
        };
        var metadata = ModelOutputs.Metadata("m", new AntiNex.Models.ModelDescription("m", true, 3, summary, null, null, "", true, "serving", 0));
        Assert.Equal(["protocol_type:BYTES", "src_bytes:FP64", "flag:BYTES"], metadata.Inputs.Select(i => $"{i.Name}:{i.Datatype}"));
    }

    [Theory]
    [InlineData("""{"name": "protocol_type", "shape": [1], "datatype": "BYTES", "data": [0]}""",
        "inputs[0].data[0]: must be a string ('protocol_type' is a categorical input, sent as BYTES), got number")]
    [InlineData("""{"name": "src_bytes", "shape": [1], "datatype": "BYTES", "data": ["181"]}""",
        "inputs[1].datatype: 'src_bytes' is a numeric input: send numbers (FP16, FP32, FP64, INT*, UINT*), got BYTES")]
    [InlineData("""{"name": "src_bytes", "shape": [1], "datatype": "FP64", "data": ["181"]}""",
        "inputs[1].data[0]: must be a number ('src_bytes' is a FP64 tensor), got string")]
    public void A_value_of_the_wrong_kind_for_its_input_is_refused_naming_the_input(string faulty, string expected)
    {
        var tensors = new List<string>
        {
            """{"name": "protocol_type", "shape": [1], "datatype": "BYTES", "data": ["tcp"]}""",
            """{"name": "src_bytes", "shape": [1], "datatype": "FP64", "data": [181]}""",
            """{"name": "flag", "shape": [1], "datatype": "BYTES", "data": ["SF"]}""",
        };
        var index = faulty.Contains("protocol_type", StringComparison.Ordinal) ? 0 : 1;
        tensors[index] = faulty;
        var e = Refused($$"""{"inputs": [{{string.Join(", ", tensors)}}]}""", Mixed);
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Numbers_for_a_categorical_input_stand_for_the_category_their_text_names()
    {
        // Beside text inputs they become that text (a protocol number 6 is the category "6", as the raw-row path reads it).
        var mixed = Read("""
            {"inputs": [{"name": "protocol_type", "shape": [2], "datatype": "INT32", "data": [6, 17]},
                        {"name": "src_bytes", "shape": [2], "datatype": "FP64", "data": [1.5, 7]},
                        {"name": "flag", "shape": [2], "datatype": "BYTES", "data": ["SF", "S0"]}]}
            """, Mixed);
        Assert.Equal(["6", "17"], mixed.Text![0]!);
        Assert.Equal(FeaturePipeline.CategoryOf(17), mixed.Text[0]![1]);
        // Without any text the rows stay numbers, and so does one [rows, inputs] tensor: the raw-row path matches them.
        var numbers = Read("""{"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "FP64", "data": [6, 181, 2]}]}""", Mixed);
        Assert.False(numbers.HasText);
        Assert.Equal([[6.0, 181, 2]], numbers.Rows);
    }

    [Fact]
    public void One_tensor_of_text_for_a_categorical_model_asks_for_one_tensor_per_input()
    {
        var e = Refused("""{"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "BYTES", "data": ["tcp", "181", "SF"]}]}""", Mixed);
        Assert.Equal("inputs[0].datatype", e.Field);
        Assert.Contains("send text for protocol_type, flag as one tensor per input", e.Message);
    }

    [Fact]
    public void A_model_whose_categorical_inputs_are_not_listed_takes_text_for_any_input_and_declares_numbers()
    {
        var input = Read("""
            {"inputs": [{"name": "protocol_type", "shape": [1], "datatype": "BYTES", "data": ["tcp"]},
                        {"name": "src_bytes", "shape": [1], "datatype": "FP64", "data": [181]},
                        {"name": "flag", "shape": [1], "datatype": "BYTES", "data": ["SF"]}]}
            """, Unlisted);
        Assert.Equal(["tcp"], input.Text![0]!);
        Assert.Null(input.Text[1]); // not listed as categorical: its number goes to the model's own reading as a number
        Assert.Equal(ModelInputs.Numeric, Unlisted.Datatype(0));
    }

    [Fact]
    public void A_string_that_is_half_a_surrogate_pair_is_refused_naming_its_place()
    {
        var e = Refused("""
            {"inputs": [{"name": "protocol_type", "shape": [1], "datatype": "BYTES", "data": ["\ud800"]},
                        {"name": "src_bytes", "shape": [1], "datatype": "FP64", "data": [181]},
                        {"name": "flag", "shape": [1], "datatype": "BYTES", "data": ["SF"]}]}
            """, Mixed);
        Assert.Equal("inputs[0].data[0]", e.Field);
        Assert.Contains("unpaired surrogate", e.Message);
    }

    [Theory]
    [InlineData("""
        {"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}],
         "inputs": [{"name": "rows", "shape": [1, 3], "datatype": "FP64", "data": [4, 5, 6]}]}
        """, "inputs")]
    [InlineData("""{"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3], "data": [4, 5, 6]}]}""",
        "inputs[0].data")]
    [InlineData("""{"inputs": [{"name": "a", "name": "rows", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]}""",
        "inputs[0].name")]
    [InlineData("""{"id": "1", "id": "2", "inputs": [{"name": "rows", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]}""", "id")]
    [InlineData("""
        {"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}],
         "outputs": [{"name": "predicted", "name": "probability"}]}
        """, "outputs[0].name")]
    public void A_key_given_twice_is_refused_naming_it(string json, string field)
    {
        var e = Refused(json, Numeric);
        Assert.Equal($"{field}: appears more than once", e.Message);
    }

    [Theory]
    [InlineData("""[]""", "outputs", "is empty: name at least one output, or leave the field out for all")]
    [InlineData("""[{"name": "predicted"}, {"name": "predicted"}]""", "outputs[1].name", "'predicted' is asked for twice")]
    public void An_empty_or_repeated_output_list_is_refused_naming_the_entry(string outputs, string field, string problem)
    {
        var e = Refused($$"""{"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}], "outputs": {{outputs}}}""",
            Numeric);
        Assert.Equal(field, e.Field);
        Assert.Equal($"{field}: {problem}", e.Message);
    }

    [Fact]
    public void One_tensor_of_the_wrong_width_blames_its_shape_not_its_name()
    {
        var e = Refused("""{"inputs": [{"name": "rows", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}""", Numeric);
        Assert.Equal("inputs[0].shape: one tensor of any name must be [rows, 3] (a column per input, in the order of the model's metadata), "
            + "got [1, 2]", e.Message);
        var flat = Refused("""{"inputs": [{"name": "rows", "shape": [6], "datatype": "FP64", "data": [1, 2, 3, 4, 5, 6]}]}""", Numeric);
        Assert.Equal("inputs[0].name", flat.Field); // shaped as a per-input tensor: its name is what is wrong
        Assert.Contains("'rows' is not an input of this model", flat.Message);
    }

    [Fact]
    public void One_tensor_of_text_is_refused_naming_its_datatype()
    {
        var e = Refused("""{"inputs": [{"name": "rows", "shape": [1, 3], "datatype": "BYTES", "data": ["1", "2", "3"]}]}""", Numeric);
        Assert.Equal("inputs[0].datatype", e.Field);
        Assert.Contains("got BYTES", e.Message);
    }

    [Fact]
    public void An_all_numeric_model_still_takes_one_tensor_of_any_name()
    {
        var input = Read("""{"inputs": [{"name": "anything", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}]}""", Numeric);
        Assert.False(input.HasText);
        Assert.Equal([[1.0, 2, 3], [4.0, 5, 6]], input.Rows);
    }

    [Fact]
    public void A_shape_whose_element_count_overflows_is_refused_naming_the_shape()
    {
        // 6148914691236517207 x 3 wraps to 5 in 64 bits: unchecked, five numbers would pass for that shape.
        var refused = Refused("""
            {"inputs": [{"name": "x", "shape": [6148914691236517207, 3], "datatype": "FP64", "data": [1, 2, 3, 4, 5]}]}
            """, Numeric);
        Assert.Equal("inputs[0].shape", refused.Field);
        Assert.Contains("too many elements", refused.Message);
    }

    [Fact]
    public void Values_beyond_float32_are_read_and_flagged_for_the_float64_path()
    {
        var input = Read("""{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1e39, 2, 3]}]}""", Numeric);
        Assert.False(input.FitsFloat32);
        Assert.Equal(1e39, input.Values[0]);
        // Exactly a float however large, or a plain number below 2^24: the float32 block. A large value float32 would round
        // (a 32-bit sequence number) goes the float64 way, and so does a categorical code that is not exactly a float.
        const string Exact = """{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1.2676506002282294e30, 0.1, 3]}]}""";
        Assert.True(Read(Exact, Numeric).FitsFloat32);
        Assert.False(Read("""{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [3000000001, 2, 3]}]}""", Numeric).FitsFloat32);
        var withCategory = new ModelInputs(["a", "b", "c"], ["b"]);
        Assert.True(Read("""{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [0.1, 6, 3]}]}""", withCategory).FitsFloat32);
        Assert.False(Read("""{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1, 0.1, 3]}]}""", withCategory).FitsFloat32);
    }

    [Theory]
    [InlineData("INT8", "100000", "inputs[0].data[1]: 100000 is out of INT8's range (-128 to 127) ('x' is a INT8 tensor)")]
    [InlineData("INT8", "-129", "inputs[0].data[1]: -129 is out of INT8's range (-128 to 127)")]
    [InlineData("UINT8", "-5", "inputs[0].data[1]: -5 is out of UINT8's range (0 to 255)")]
    [InlineData("UINT16", "65536", "inputs[0].data[1]: 65536 is out of UINT16's range (0 to 65,535)")]
    [InlineData("INT32", "1.5", "inputs[0].data[1]: 1.5 is not a whole number, as INT32 values are ('x' is a INT32 tensor)")]
    [InlineData("INT64", "1e19", "inputs[0].data[1]: 1E+19 is out of INT64's range")]
    [InlineData("UINT64", "1e30", "inputs[0].data[1]: 1E+30 is out of UINT64's range (0 to 2^64 - 1)")]
    [InlineData("FP32", "1e300", "inputs[0].data[1]: 1E+300 is beyond FP32's range (±3.4E+38) ('x' is a FP32 tensor)")]
    [InlineData("FP16", "70000", "inputs[0].data[1]: 70000 is beyond FP16's range (±65,504)")]
    public void A_value_its_datatype_cannot_hold_is_refused_naming_the_input_and_index(string datatype, string value, string expected)
    {
        var refused = Refused($$"""{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "{{datatype}}", "data": [1, {{value}}, 3]}]}""",
            Numeric);
        Assert.Equal("inputs[0].data[1]", refused.Field);
        Assert.StartsWith(expected, refused.Message);
    }

    [Theory]
    [InlineData("INT8", "-128, 127, 2e1")]
    [InlineData("UINT8", "0, 255, 1.0")]
    [InlineData("INT64", "-9223372036854775808, 9223372036854775807, 0")]
    [InlineData("UINT64", "0, 18446744073709551615, 1")]
    [InlineData("FP32", "3.4028235e38, -3.4028235e38, 0.1")]
    [InlineData("FP16", "65504, -65504, 0.1")]
    [InlineData("FP64", "1e300, -1e300, 0.1")]
    public void Values_within_their_datatype_are_read(string datatype, string values)
        => Assert.Equal(3, Read($$"""{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "{{datatype}}", "data": [{{values}}]}]}""",
            Numeric).Values.Length);
}
