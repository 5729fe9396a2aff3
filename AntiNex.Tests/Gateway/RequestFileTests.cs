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

    [Fact]
    public void Malformed_json_still_names_its_line_and_byte()
    {
        var e = Assert.Throws<UsageException>(() => RequestFile.FromJson("{\"label\": \"m\",\n  \"x\": }", "req.json"));
        Assert.StartsWith("req.json: not valid JSON (line 2, byte ", e.Message);
    }
}
