// Request JSON that cannot mean one thing: a string escaping half a surrogate pair (no text to read) and a key given twice
// (the last would win silently). Both are refused when the request is parsed, as a field error naming the path.
using AntiNex.Requests;

namespace AntiNex.Tests.Requests;

public sealed class RequestJsonTests
{
    private const string Minimal = """{"label": "m", "dataset": "d.csv", "predict_feature": "y"}""";

    private static string With(string fields) => Minimal.TrimEnd('}') + ", " + fields + "}";

    private static RequestIssue Refused(string json)
        => Assert.Single(Assert.Throws<RequestException>(() => AntiNexRequest.Parse(json, out _)).Issues);

    [Theory]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "\ud800"}""", "predict_feature")]
    [InlineData("""{"label": "m\udc00", "dataset": "d.csv", "predict_feature": "y"}""", "label")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "loss": "ms\ud800e"}""", "loss")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "features_to_process": ["a", "\ud800"]}""",
        "features_to_process[1]")]
    [InlineData("""{"label": "m", "predict_feature": "y", "predict_rows": [{"a": 1}, {"a": "\ud800"}]}""", "predict_rows[1].a")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "predict_rows": "[{\"a\": \"\\ud800\"}]"}""", "predict_rows[0].a")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "manifest": {"predict_feature": "\udbff"}}""", "manifest.predict_feature")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "\ud800": 1}""", "request")]
    [InlineData("""{"label": "m", "predict_feature": "y", "predict_rows": [{"\ud800": 1}]}""", "predict_rows[0]")]
    public void A_lone_surrogate_escape_is_a_field_error_naming_where_it_is(string json, string field)
    {
        var issue = Refused(json);
        Assert.Equal(field, issue.Field);
        Assert.Contains("invalid UTF-16 sequence (lone surrogate)", issue.Message);
    }

    [Fact]
    public void A_lone_surrogate_in_the_text_itself_is_a_request_error()
    {
        var issue = Refused("{\"label\": \"m\", \"dataset\": \"d.csv\", \"predict_feature\": \"\ud800\"}");
        Assert.Equal("request: contains an invalid UTF-16 sequence (lone surrogate)", issue.ToString());
    }

    [Fact]
    public void A_surrogate_pair_written_as_escapes_is_text()
    {
        var request = AntiNexRequest.Parse(With("""  "features_to_process": ["\ud83d\ude00"] """), out _);
        Assert.Equal(["\U0001F600"], request.FeaturesToProcess);
    }

    [Theory]
    [InlineData("""{"label": "victim", "dataset": "d.csv", "predict_feature": "y", "label": "other"}""", "label")]
    [InlineData("""{"label": "victim", "dataset": "d.csv", "predict_feature": "y", "l\u0061bel": "other"}""", "label")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "manifest": {"predict_feature": "y", "predict_feature": "z"}}""",
        "manifest.predict_feature")]
    [InlineData("""
        {"label": "m", "dataset": "d.csv", "predict_feature": "y",
         "model_desc": {"layers": [{"num_neurons": 1, "init": "uniform", "activation": "sigmoid", "activation": "relu"}]}}
        """, "model_desc.layers[0].activation")]
    [InlineData("""{"label": "m", "predict_feature": "y", "predict_rows": [{"a": 1, "a": 2}]}""", "predict_rows[0].a")]
    [InlineData("""{"label": "m", "dataset": "d.csv", "predict_feature": "y", "predict_rows": "[{\"a\": 1}, {\"a\": 1, \"a\": 2}]"}""",
        "predict_rows[1].a")]
    public void A_key_given_twice_is_a_field_error_naming_the_key(string json, string field)
    {
        var issue = Refused(json);
        Assert.Equal($"{field}: appears more than once", issue.ToString());
    }

    [Fact]
    public void Malformed_json_is_still_reported_as_malformed()
    {
        var issue = Refused("""{"label": "m", "label": """);
        Assert.Equal("request", issue.Field);
        Assert.StartsWith("malformed JSON", issue.Message);
    }

    [Theory]
    [InlineData("{\"label\": \"m\",\n  \"x\": }", "request: malformed JSON (line 2, byte 8): '}' is an invalid start of a value.")]
    [InlineData("", "request: malformed JSON (empty: a JSON object is expected)")]
    [InlineData("""{"label": "m", "predict_feature": "y", "predict_rows": "[{\"a\": 1,,}]"}""",
        "predict_rows: malformed JSON string (line 1, byte 10): ',' is an invalid start of a property name. Expected a '\"'.")]
    public void Malformed_json_names_its_place_once_counting_from_one(string json, string error)
        => Assert.Equal(error, Refused(json).ToString());

    [Fact]
    public void Keys_repeated_in_different_objects_are_fine()
    {
        var request = AntiNexRequest.Parse(With("""  "predict_rows": [{"a": 1, "y": 0}, {"a": 2, "y": 1}] """), out _);
        Assert.Equal(2, request.PredictRows!.Rows.Count);
    }
}
