// The console's first look at a request file (train, predict, the HTTP /api and the queue read requests through it): a
// label escaping half a surrogate pair or a key given twice is a usage error naming the field, never an exception.
using AntiNex.Gateway.Commands;

namespace AntiNex.Tests.Gateway;

public sealed class RequestFileTests
{
    [Theory]
    [InlineData("""{"label": "\ud800", "predict_feature": "y"}""", "label: contains an invalid UTF-16 sequence (lone surrogate)")]
    [InlineData("""{"label": "m", "predict_feature": "\udfff"}""", "predict_feature: contains an invalid UTF-16 sequence (lone surrogate)")]
    [InlineData("""{"label": "victim", "predict_feature": "y", "label": "other"}""", "label: appears more than once")]
    [InlineData("""{"label": "m", "manifest": {"loss": "mse", "loss": "mae"}}""", "manifest.loss: appears more than once")]
    public void A_request_that_cannot_mean_one_thing_is_a_usage_error_naming_the_field(string json, string error)
    {
        var e = Assert.Throws<UsageException>(() => RequestFile.FromJson(json, "req.json"));
        Assert.Equal($"req.json: {error}", e.Message);
    }

    [Theory]
    [InlineData("""{"predict_feature": "y"}""", "label: required, a non-empty string (it names the model)")]
    [InlineData("""{"label": 5}""", "label: must be a string (it names the model), got 5")]
    [InlineData("""{"label": ["web", "app"]}""", "label: must be a string (it names the model), got [\"web\", \"app\"]")]
    [InlineData("""{"label": "  "}""", "label: must not be blank (it names the model)")]
    public void A_missing_mistyped_or_blank_label_is_a_usage_error_saying_which(string json, string error)
    {
        var e = Assert.Throws<UsageException>(() => RequestFile.FromJson(json, "req.json"));
        Assert.Equal($"req.json: {error}", e.Message);
    }

    [Fact]
    public void Malformed_json_still_names_its_line_and_byte()
    {
        var e = Assert.Throws<UsageException>(() => RequestFile.FromJson("{\"label\": \"m\",\n  \"x\": }", "req.json"));
        Assert.StartsWith("req.json: not valid JSON (line 2, byte ", e.Message);
    }

    [Theory]
    // The parser's own zero-based "LineNumber: 0 | BytePositionInLine: 46." used to follow, contradicting the place named.
    [InlineData("{\"label\": \"m\", \"dataset\": \"x.csv\",",
        "req.json: not valid JSON (line 1, byte 34): Expected start of a property name or value, but instead reached end of data.")]
    [InlineData("{\"label\": \"m\",,}", "req.json: not valid JSON (line 1, byte 15): ',' is an invalid start of a property name. Expected a '\"'.")]
    // An empty file (or body) is said to be empty, not "does not contain any JSON tokens ... when isFinalBlock is true".
    [InlineData("", "req.json: not valid JSON (empty: a JSON object is expected)")]
    [InlineData(" \n", "req.json: not valid JSON (empty: a JSON object is expected)")]
    public void Malformed_json_is_placed_once_counting_from_one(string json, string error)
        => Assert.Equal(error, Assert.Throws<UsageException>(() => RequestFile.FromJson(json, "req.json")).Message);
}
