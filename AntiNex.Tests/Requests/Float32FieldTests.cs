// Request numbers the learner hands to float32 tensors: one beyond float32 (or a rate that rounds to 0 there) is refused
// when the request is parsed, naming the field, instead of failing deep in training.
using AntiNex.Requests;

namespace AntiNex.Tests.Requests;

public sealed class Float32FieldTests
{
    private const string Minimal = """{"label": "m", "dataset": "d.csv", "predict_feature": "y"}""";

    private static string With(string fields) => Minimal.TrimEnd('}') + ", " + fields + "}";

    [Theory]
    [InlineData("""  "learning_rate": 1e300  """, "learning_rate")]
    [InlineData("""  "learning_rate": "1e300"  """, "learning_rate")]
    [InlineData("""  "learning_rate": 1e-300  """, "learning_rate")]
    [InlineData("""  "learning_rate": 0  """, "learning_rate")]
    [InlineData("""  "learning_rate": 1e7  """, "learning_rate")]
    [InlineData("""  "weight_decay": 1e300  """, "weight_decay")]
    [InlineData("""  "lr_schedule": {"kind": "reduce_on_plateau", "min_lr": 1e300}  """, "lr_schedule.min_lr")]
    [InlineData("""  "class_weights": {"0": 1, "1": 1e300}  """, "class_weights.1")]
    [InlineData("""  "mark_empty": -1e300  """, "mark_empty")]
    public void A_value_beyond_float32_is_refused_naming_its_field(string fields, string field)
    {
        var e = Assert.Throws<RequestException>(() => AntiNexRequest.Parse(With(fields), out _));
        var issue = Assert.Single(e.Issues);
        Assert.Equal(field, issue.Field);
    }

    [Fact]
    public void The_learning_rate_error_says_what_is_allowed()
    {
        var e = Assert.Throws<RequestException>(() => AntiNexRequest.Parse(With("""  "learning_rate": 1e300  """), out _));
        Assert.Equal("learning_rate: must be a number > 0 and at most 1000000 (a float32 rate), got 1E+300", e.Message);
    }

    [Fact]
    public void Ordinary_and_boundary_values_pass()
    {
        var r = AntiNexRequest.Parse(With("""
            "learning_rate": 1e6, "weight_decay": 1e-7, "class_weights": {"0": 1, "1": 3.4e38}, "mark_empty": -3.4e38,
            "lr_schedule": {"kind": "reduce_on_plateau", "min_lr": 1e-6}
            """), out _);
        Assert.Equal(1e6, r.LearningRate);
        Assert.Equal(-3.4e38, r.MarkEmpty);
    }
}
