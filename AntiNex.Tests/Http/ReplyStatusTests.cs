// A model's refusal, by its stable code, as the HTTP status the README documents: the cluster silent or unable to serve
// now is a 503 (retry later), never a 500.
using AntiNex.Gateway.Http;
using AntiNex.Models;
using Microsoft.AspNetCore.Http;

namespace AntiNex.Tests.Http;

public sealed class ReplyStatusTests
{
    [Theory]
    [InlineData("bad-request", StatusCodes.Status400BadRequest)]
    [InlineData("forbidden", StatusCodes.Status403Forbidden)]
    [InlineData("not-trained", StatusCodes.Status404NotFound)]
    [InlineData("too-large", StatusCodes.Status413PayloadTooLarge)]
    [InlineData("busy", StatusCodes.Status503ServiceUnavailable)]
    [InlineData("timeout", StatusCodes.Status503ServiceUnavailable)]
    [InlineData("unavailable", StatusCodes.Status503ServiceUnavailable)]
    [InlineData("internal", StatusCodes.Status500InternalServerError)]
    public void A_refusal_code_maps_to_its_status(string code, int status)
    {
        var problem = ReplyStatus.Problem(ModelFailed.Of("web-a", code, "rows 0..15824: no copy of 'web-a' answered within 3.0 s"));
        Assert.Equal(status, problem.Status);
        Assert.Equal(code, problem.Code);
    }
}
