// The dashboard's HTTP side against a real cluster (the HTTP tests' fixture: redis-server, a node process, `serve` as a
// process, a model trained through the console): the embedded page, its security headers, the picture endpoints
// (what they draw and why a picture is missing) and the predict-traffic figures.
using System.Net;
using System.Text;
using System.Text.Json;
using AntiNex.Tests.Http;

namespace AntiNex.Tests.Browser;

[Collection("cluster-processes")]
public sealed class DashboardEndpointsTests(HttpServiceFixture fx) : IClassFixture<HttpServiceFixture>
{
    private const string Model = HttpServiceFixture.Model;
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task The_page_loads_without_a_key_from_the_binary_and_only_from_its_own_origin()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(fx.Serve.BaseUrl) };
        foreach (var path in new[] { "/", "/dashboard" })
        {
            using var redirect = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.Equal("/dashboard/", redirect.Headers.Location?.ToString());
        }
        foreach (var (file, type) in new[] { ("", "text/html"), ("dashboard.js", "text/javascript"), ("dashboard.css", "text/css") })
        {
            using var response = await http.GetAsync("/dashboard/" + file);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", csp);
            Assert.Contains("connect-src 'self'", csp);
            Assert.Equal("nosniff", string.Join(' ', response.Headers.GetValues("X-Content-Type-Options")));
            // Self-contained: nothing is fetched from another origin (no CDN, no web font).
            Assert.DoesNotContain("http://", await response.Content.ReadAsStringAsync());
            Assert.DoesNotContain("https://", await response.Content.ReadAsStringAsync());
        }
        using var missing = await http.GetAsync("/dashboard/secrets.json");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no dashboard file 'secrets.json'", await missing.Content.ReadAsStringAsync());
        // The 404 names what was asked for: it carries the page's headers too.
        Assert.Equal("nosniff", string.Join(' ', missing.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("default-src 'none'", string.Join(' ', missing.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task A_model_trained_elsewhere_shows_its_kept_confusion_matrix_and_says_why_its_curves_are_missing()
    {
        using var http = fx.Client("admin");
        var list = await Json(http, $"/api/models/{Model}/plots");
        Assert.Equal(["confusion"], Kinds(list));
        Assert.Contains("per-epoch history", list.GetProperty("note").GetString());
        await AssertPng(http, $"/api/models/{Model}/plots/confusion.png");

        using var loss = await http.GetAsync($"/api/models/{Model}/plots/loss.png");
        Assert.Equal(HttpStatusCode.NotFound, loss.StatusCode);
        Assert.Contains("has no loss picture", await loss.Content.ReadAsStringAsync());
        using var bogus = await http.GetAsync($"/api/models/{Model}/plots/bogus.png");
        Assert.Equal(HttpStatusCode.NotFound, bogus.StatusCode);
        Assert.Contains("kind: 'bogus' is not a picture", await bogus.Content.ReadAsStringAsync());
        using var never = await http.GetAsync("/api/models/never-trained/plots");
        Assert.Equal(HttpStatusCode.NotFound, never.StatusCode);
        Assert.Contains("never trained", await never.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_model_trained_through_the_service_also_has_its_loss_and_accuracy_curves()
    {
        const string label = "web-curves";
        using var http = fx.Client("admin");
        await HttpServiceFixture.TrainThroughApiAsync(http, fx.Data.TrainJson(label, epochs: 3));

        var list = await Json(http, $"/api/models/{label}/plots");
        Assert.Equal(["loss", "accuracy", "confusion"], Kinds(list));
        Assert.False(list.TryGetProperty("note", out _));
        foreach (var kind in Kinds(list)) await AssertPng(http, $"/api/models/{label}/plots/{kind}.png");
    }

    [Fact]
    public async Task Pictures_and_traffic_need_a_read_key_and_pictures_respect_its_labels()
    {
        using (var anonymous = fx.Client(null))
        {
            foreach (var path in new[] { $"/api/models/{Model}/plots", $"/api/models/{Model}/plots/confusion.png", "/api/dashboard/predict-stats" })
            {
                using var response = await anonymous.GetAsync(path);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }
        }
        using var web = fx.Client("web"); // predict,read on web-*
        using (var allowed = await web.GetAsync($"/api/models/{Model}/plots")) Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using var refused = await web.GetAsync("/api/models/other-model/plots/confusion.png");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("may not use model 'other-model'", await refused.Content.ReadAsStringAsync());
    }
    [Fact]
    public async Task Predict_traffic_counts_the_predict_requests_and_their_errors()
    {
        using var http = fx.Client("admin");
        var before = await Json(http, "/api/dashboard/predict-stats");
        for (var i = 0; i < 3; i++)
        {
            using var ok = await http.PostAsync("/api/predict", new StringContent(fx.Data.PredictJson(Model), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using (var bad = await http.PostAsync("/api/predict", new StringContent("{\"label\": ", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // The duration is recorded as the response completes: allow it a moment to land.
        JsonElement after = default;
        for (var tries = 0; tries < 20; tries++)
        {
            after = await Json(http, "/api/dashboard/predict-stats");
            if (Count(after, "requests") - Count(before, "requests") >= 4) break;
            await Task.Delay(100);
        }
        Assert.Equal(4, Count(after, "requests") - Count(before, "requests"));
        Assert.Equal(1, Count(after, "errors") - Count(before, "errors"));
        Assert.True(after.GetProperty("p50_ms").GetDouble() > 0);
        Assert.True(after.GetProperty("p99_ms").GetDouble() >= after.GetProperty("p50_ms").GetDouble());
        Assert.True(after.GetProperty("per_second").GetDouble() > 0);
    }

    [Fact]
    public async Task A_key_limited_to_some_labels_sees_the_predict_traffic_of_its_models_only()
    {
        using var admin = fx.Client("admin");
        using var web = fx.Client("web"); // predict,read on web-*
        var before = await Json(web, "/api/dashboard/predict-stats");
        Assert.Equal("web-*", before.GetProperty("labels").GetString());
        var adminBefore = Count(await Json(admin, "/api/dashboard/predict-stats"), "requests");

        // Two predicts of a web-* model (one by each key), three of a model web may not use (unknown: 404).
        foreach (var http in new[] { web, admin })
        {
            using var ok = await http.PostAsync("/api/predict", new StringContent(fx.Data.PredictJson(Model), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        for (var i = 0; i < 3; i++)
        {
            using var other = await admin.PostAsync("/api/predict",
                new StringContent(fx.Data.PredictJson("billing-model"), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }

        JsonElement after = default;
        for (var tries = 0; tries < 20; tries++)
        {
            after = await Json(admin, "/api/dashboard/predict-stats");
            if (Count(after, "requests") - adminBefore >= 5) break;
            await Task.Delay(100);
        }
        Assert.Equal("*", after.GetProperty("labels").GetString());
        Assert.Equal(5, Count(after, "requests") - adminBefore);
        var seen = await Json(web, "/api/dashboard/predict-stats");
        Assert.Equal(2, Count(seen, "requests") - Count(before, "requests"));
        Assert.Equal(Count(before, "errors"), Count(seen, "errors"));
    }

    private static int Count(JsonElement stats, string name) => stats.GetProperty(name).GetInt32();

    private static string[] Kinds(JsonElement list)
        => list.GetProperty("plots").EnumerateArray().Select(p => p.GetProperty("kind").GetString()!).ToArray();

    private static async Task<JsonElement> Json(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task AssertPng(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", string.Join(' ', response.Headers.GetValues("X-Content-Type-Options")));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length > 5_000, $"{path}: {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
    }
}
