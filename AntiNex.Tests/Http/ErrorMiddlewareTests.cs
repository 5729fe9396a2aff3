// What a handler's exception becomes on the wire: the cluster unable to answer is a 503 the caller may retry; any other
// failure, an InvalidOperationException included, is a 500 that keeps its detail in the server's log.
using System.Text.Json;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AntiNex.Tests.Http;

public sealed class ErrorMiddlewareTests
{
    private static async Task<(int Status, JsonElement Body)> Answer(Exception thrown)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
        };
        context.Response.Body = new MemoryStream();
        var middleware = new ErrorMiddleware(_ => throw thrown, NullLogger<ErrorMiddleware>.Instance);
        await middleware.InvokeAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, JsonDocument.Parse(context.Response.Body).RootElement.Clone());
    }

    [Fact]
    public async Task The_cluster_without_a_model_node_is_a_503_naming_why()
    {
        var (status, body) = await Answer(new ClusterUnavailableException("no model node is Up in the cluster"));
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("unavailable", body.GetProperty("code").GetString());
        Assert.Contains("no model node is Up in the cluster", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_programming_error_is_a_500_that_does_not_leak_its_message()
    {
        var (status, body) = await Answer(new InvalidOperationException("endpoint reached without an API key"));
        Assert.Equal(StatusCodes.Status500InternalServerError, status);
        Assert.Equal("internal", body.GetProperty("code").GetString());
        Assert.DoesNotContain("API key", body.GetRawText());
    }
}
