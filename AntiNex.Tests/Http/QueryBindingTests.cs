// A query parameter that does not bind is refused like every other request field: a JSON 400 naming it, not a bare 400
// without a body. The real AntiNex endpoints behind the service's own error and key middleware, in process (no cluster:
// the list of jobs needs none).
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Http;
using AntiNex.Gateway.Http.Api;
using AntiNex.Gateway.Http.Auth;
using AntiNex.Gateway.Http.Inference;
using AntiNex.Gateway.Http.Local;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AntiNex.Tests.Http;

public sealed class QueryBindingTests
{
    private const string Secret = "anx_query-binding-test";

    [Theory]
    [InlineData("abc")]
    [InlineData("99999999999")]
    public async Task A_query_parameter_that_does_not_bind_is_a_json_400_naming_it(string limit)
    {
        await using var app = await StartAsync();
        using var http = Client(app);
        using var refused = await http.GetAsync($"/api/jobs?limit={limit}");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("bad-request", body.RootElement.GetProperty("code").GetString());
        Assert.StartsWith("limit: must be a whole number", body.RootElement.GetProperty("error").GetString());
        var issue = Assert.Single(body.RootElement.GetProperty("issues").EnumerateArray());
        Assert.Equal("limit", issue.GetProperty("field").GetString());
        Assert.Contains($"got '{limit}'", issue.GetProperty("message").GetString());

        using var listed = await http.GetAsync("/api/jobs?limit=5");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
    }

    private static async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        ErrorMiddleware.ThrowBindingFailures(builder.Services);
        var options = new HttpServeOptions();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Secret)));
        var keys = new ApiKeyStore([new ApiKey("reader", hash, [ApiScope.Read], "*")]);
        builder.Services.AddSingleton(new LiveApiKeys(keys, null, NullLogger.Instance));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new TrainingJobs(null!, options));
        // Services of the other endpoints: declared so they bind as services, never resolved by the job list.
        builder.Services.AddSingleton<GatewayClient>(_ => throw new InvalidOperationException("no cluster here"));
        builder.Services.AddSingleton<LocalModelCopies>(_ => throw new InvalidOperationException("no cluster here"));
        builder.Services.AddSingleton<ModelMetadataCache>(_ => throw new InvalidOperationException("no cluster here"));
        var app = builder.Build();
        app.UseMiddleware<ErrorMiddleware>();
        app.UseRouting();
        app.UseMiddleware<ApiKeyMiddleware>();
        AntiNexEndpoints.Map(app);
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(WebApplication app)
    {
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
        return http;
    }
}
