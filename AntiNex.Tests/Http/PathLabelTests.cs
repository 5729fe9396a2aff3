// The label a model path names, read from the raw request target: a label no request could train is a 400 at once,
// never a message the cluster drops (the caller would wait for the timeout).
using AntiNex.Gateway.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AntiNex.Tests.Http;

public sealed class PathLabelTests
{
    private static HttpContext Target(string rawTarget)
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        return context;
    }

    private static HttpProblem BadRequest(string target)
    {
        var problem = Assert.Throws<HttpProblem>(() => PathLabel.ModelId(Target(target), "routed"));
        Assert.Equal(StatusCodes.Status400BadRequest, problem.Status);
        return problem;
    }

    [Theory]
    [InlineData("/v2/models/team%2Fweb%201/infer", "team/web 1")]
    [InlineData("/api/models/Web-A", "web-a")]
    [InlineData("/api/models/%20Web-A%20?x=1", "web-a")]
    public void A_label_is_decoded_once_trimmed_and_lower_cased(string target, string id)
        => Assert.Equal(id, PathLabel.ModelId(Target(target), "routed"));

    [Theory]
    [InlineData("/v2/models/%20/infer")]
    [InlineData("/api/models/%20%20")]
    [InlineData("/api/models/%C2%A0/plots")]
    public void A_blank_label_is_a_bad_request(string target) => Assert.Equal("bad-request", BadRequest(target).Code);

    [Theory]
    [InlineData("/v2/models/a/../b/infer")]
    [InlineData("/v2/x/../models/web-1")]
    [InlineData("/api/models/web-1/%2E%2E/db-1")]
    [InlineData("/api/models/./web-1")]
    public void A_path_with_dot_segments_is_a_bad_request_not_another_models_answer(string target)
    {
        // Kestrel routes these as their resolved form; the raw label segment would name another model than that route.
        Assert.Contains("'..' segment", BadRequest(target).Message);
    }

    [Theory]
    [InlineData("/api/models/web.1", "web.1")]
    [InlineData("/api/models/...", "...")]
    [InlineData("/v2/models/a%2F..%2Fb/infer", "a/../b")]
    public void Dots_inside_a_label_are_kept(string target, string id)
        => Assert.Equal(id, PathLabel.ModelId(Target(target), "routed"));
}
