// The dashboard in headless Chromium against the HTTP tests' cluster (one node, `serve` as a process): hostile text from
// train requests shows as text everywhere, and a service that stalls or fails shows on the page, which recovers by
// itself. Service failures are staged with Playwright's request routing, so they are exact and quick.
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Http;
using Microsoft.Playwright;

namespace AntiNex.Tests.Browser;

[Collection("cluster-processes")]
public sealed class DashboardLiveBrowserTests(HttpServiceFixture fx) : IClassFixture<HttpServiceFixture>
{
    private const string Model = HttpServiceFixture.Model;

    [SkippableFact]
    public async Task Labels_class_names_and_feature_names_from_train_requests_show_as_text_and_run_nothing()
    {
        Skip.IfNot(SystemChromium.Available, SystemChromium.MissingReason);
        const string label = "x\"><svg onload=window.__xss=2> javascript:window.__xss=3 ünï 𝔘 & co";
        const string badClass = "<img src=x onerror=window.__xss=4>";
        const string linkClass = "javascript:window.__xss=5 \u202e gnp.exe";
        const string badFeature = "<img src=y onerror=window.__xss=6>";
        var feature = TestData.Features[0];
        // The same data, one column renamed: the feature name reaches the model and its error messages.
        var lines = File.ReadAllLines(fx.Data.CsvPath);
        lines[0] = string.Join(',', lines[0].Split(',').Select(c => c == feature ? badFeature : c));
        var dataset = Path.Combine(fx.Data.Root, "hostile.csv");
        File.WriteAllLines(dataset, lines);
        var request = JsonNode.Parse(fx.Data.TrainJson("placeholder", epochs: 2, dataset: dataset))!;
        request["label"] = label;
        request["features_to_process"] = new JsonArray(TestData.Features.Select(f => (JsonNode)(f == feature ? badFeature : f)).ToArray());
        request["label_rules"]!["labels"] = new JsonArray(badClass, badClass, linkClass);
        using var http = fx.Client("admin");
        await HttpServiceFixture.TrainThroughApiAsync(http, request.ToJsonString());

        await using var session = await DashboardSession.OpenAsync(fx.Serve.BaseUrl, fx.Secret("admin"));
        var page = session.Page;
        var row = page.Locator("#models tbody tr.model-row", new() { HasText = "svg onload" });
        await row.WaitForAsync(new() { Timeout = 30_000 });
        Assert.Contains(label, await row.Locator("td").First.InnerTextAsync());
        await row.ClickAsync();
        await page.Locator("#confusion-table").WaitForAsync(new() { Timeout = 30_000 });
        var headers = await page.Locator("#confusion-table thead th").AllInnerTextsAsync();
        Assert.Contains(headers, h => h.Contains("onerror=window.__xss=4", StringComparison.Ordinal));
        Assert.Contains(label, await page.InnerTextAsync("#detail-label"));
        await page.Locator("#plots img.plot-confusion").WaitForAsync(new() { Timeout = 30_000 });

        // A predict without the renamed feature: the refusal names it, as text.
        await page.SelectOptionAsync("#predict-label", label);
        await page.FillAsync("#predict-rows", """[{"idx": 1}]""");
        await page.ClickAsync("#predict-submit");
        await page.WaitForFunctionAsync("() => document.getElementById('predict-error').textContent.length > 0");
        Log($"predict refusal: {await page.InnerTextAsync("#predict-error")}");

        Assert.Null(await page.EvaluateAsync<int?>("() => window.__xss ?? null"));
        // No element was made from the text: the page's only pictures are the blob: plots.
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('svg, img:not([src^=\"blob:\"]), a').length"));
        session.AssertNoErrors(ignore: ["400", "Failed to load resource"]);

        // A key that reads only web-* sees none of it: not in the lists, not in the trainings, not in the members table.
        await using var web = await DashboardSession.OpenAsync(fx.Serve.BaseUrl, fx.Secret("web"));
        await web.Page.Locator("#models tbody tr.model-row", new() { HasText = Model }).WaitForAsync(new() { Timeout = 30_000 });
        await web.Page.WaitForFunctionAsync("() => document.getElementById('refreshed').textContent !== ''");
        var seen = await web.Page.InnerTextAsync("body");
        Assert.DoesNotContain("svg onload", seen);
        Assert.All(await web.Page.Locator("#models tbody tr.model-row").AllInnerTextsAsync(), r => Assert.StartsWith("web-", r));
        // Its predict traffic is that of the web-* models only, and the page says which models it counts.
        Assert.Matches(@"^models\s+web-\*\s+requests / s", await web.Page.InnerTextAsync("#predict-stats"));
    }

    [SkippableFact]
    public async Task A_training_card_leaves_the_page_once_the_key_may_no_longer_see_its_label()
    {
        Skip.IfNot(SystemChromium.Available, SystemChromium.MissingReason);
        const string label = "web-narrowed";
        using var admin = fx.Client("admin");
        var jobId = await HttpServiceFixture.TrainThroughApiAsync(admin, fx.Data.TrainJson(label, epochs: 1));
        await fx.AddKeyAsync(fx.KeysFile, "narrowing", "read", label);

        await using var session = await DashboardSession.OpenAsync(fx.Serve.BaseUrl, fx.Secret("narrowing"));
        var card = session.Page.Locator($"#jobs .job[data-job='{jobId}']");
        await card.WaitForAsync(new() { Timeout = 30_000 });
        Assert.Contains("done: version", await card.InnerTextAsync());

        // The operator narrows the key in its file; the page, left open, drops the card at a later refresh.
        fx.SetKeyLabels("narrowing", "web-elsewhere-*");
        await card.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 30_000 });
        Assert.Equal("No training to show.", await session.Page.InnerTextAsync("#jobs"));
    }

    [SkippableFact]
    public async Task A_training_streamed_again_goes_on_from_the_card_s_last_event()
    {
        Skip.IfNot(SystemChromium.Available, SystemChromium.MissingReason);
        await using var session = await DashboardSession.OpenAsync(fx.Serve.BaseUrl, fx.Secret("admin"));
        var page = session.Page;
        // The job list waits until the job id is known; its first event stream is a staged one that ends after two
        // events without a final one (as a dropped connection or a restarted service would), later ones are real.
        var known = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastEventIds = new List<string?>();
        await page.RouteAsync(new Regex(@"/api/jobs\?limit=8$"), async route => { await known.Task; await route.ContinueAsync(); });
        await page.RouteAsync(new Regex(@"/api/jobs/[^/]+/events$"), async route =>
        {
            var jobId = await known.Task;
            if (!route.Request.Url.Contains(jobId, StringComparison.Ordinal)) { await route.ContinueAsync(); return; }
            int streams;
            lock (lastEventIds)
            {
                lastEventIds.Add(route.Request.Headers.TryGetValue("last-event-id", out var id) ? id : null);
                streams = lastEventIds.Count;
            }
            if (streams > 1) { await route.ContinueAsync(); return; }
            await route.FulfillAsync(new()
            {
                Status = 200, ContentType = "text/event-stream",
                Body = "id: 1\nevent: queued\ndata: {\"position\": 1}\n\nid: 2\nevent: started\ndata: {\"node\": \"staged-node\"}\n\n",
            });
        });

        using var admin = fx.Client("admin");
        using var started = await admin.PostAsync("/api/train",
            new StringContent(fx.Data.TrainJson("web-streamed-again", epochs: 10_000), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("job_id").GetString()!;
        try
        {
            known.SetResult(job);
            var until = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                lock (lastEventIds) if (lastEventIds.Count >= 2) break;
                Assert.True(DateTime.UtcNow < until, "the page did not stream the training again");
                await Task.Delay(200);
            }
            lock (lastEventIds) Assert.Equal([null, "2"], lastEventIds.Take(2));
            // The real stream goes on from there: the card shows the training's progress.
            await page.WaitForFunctionAsync($"() => /epoch/.test(document.querySelector(\"#jobs .job[data-job='{job}']\").innerText)",
                null, new() { Timeout = 60_000 });
        }
        finally
        {
            using var cancel = await admin.PostAsync($"/api/jobs/{job}/cancel", null);
            await HttpServiceFixture.JobEndAsync(admin, job);
        }
        session.AssertNoErrors();
    }

    [SkippableFact]
    public async Task A_failed_training_s_card_says_each_problem_once()
    {
        Skip.IfNot(SystemChromium.Available, SystemChromium.MissingReason);
        await using var session = await DashboardSession.OpenAsync(fx.Serve.BaseUrl, fx.Secret("admin"));
        using var admin = fx.Client("admin");
        // Accepted by the service, refused by the node (its epoch limit is a node setting): the page, open already,
        // follows the job's stream to its failed event, which carries the problem as its message and as an issue.
        using var started = await admin.PostAsync("/api/train",
            new StringContent(fx.Data.TrainJson("web-failing", epochs: 1_000_000), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("job_id").GetString()!;

        var card = session.Page.Locator($"#jobs .job.failed[data-job='{job}']");
        await card.WaitForAsync(new() { Timeout = 60_000 });
        var lines = (await card.Locator(".detail").TextContentAsync() ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Log($"failed card: {string.Join(" | ", lines)}");
        Assert.Contains(lines, l => l.Contains("epochs", StringComparison.Ordinal));
        Assert.Equal(lines.Length, lines.Distinct().Count());
        Assert.DoesNotContain(lines.Skip(1), l => lines[0].Contains(l, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_stalled_or_failing_service_shows_on_the_page_which_keeps_its_data_and_recovers_without_a_reload()
    {
        Skip.IfNot(SystemChromium.Available, SystemChromium.MissingReason);
        await using var session = await DashboardSession.OpenAsync(fx.Serve.BaseUrl, fx.Secret("admin"));
        var page = session.Page;
        var row = page.Locator("#models tbody tr.model-row", new() { HasText = Model });
        await row.WaitForAsync(new() { Timeout = 30_000 });
        await row.ClickAsync();
        await page.Locator("#model-detail:not([hidden])").WaitForAsync();
        await page.SelectOptionAsync("#predict-label", Model);

        // The model list fails (no model node answers for a while): the page says so and keeps what it showed.
        await page.RouteAsync("**/api/models", route => route.FulfillAsync(new()
        {
            Status = (int)HttpStatusCode.ServiceUnavailable, ContentType = "application/json",
            Body = """{"error": "no model node is Up in the cluster", "code": "unavailable"}""",
        }));
        await page.WaitForFunctionAsync("() => document.getElementById('models-note').textContent.includes('no model node is Up')",
            null, new() { Timeout = 15_000 });
        Assert.True(await row.IsVisibleAsync(), "the model list was wiped by one failed refresh");
        Assert.True(await page.IsVisibleAsync("#model-detail"), "the selected model's detail was hidden by one failed refresh");
        Assert.Equal(Model, await page.InputValueAsync("#predict-label"));
        await page.UnrouteAsync("**/api/models");

        // The service stops answering (a stalled gateway, a dropped connection): the page must not go on saying "connected".
        var held = new List<IRoute>();
        await page.RouteAsync("**/api/cluster", route => { lock (held) held.Add(route); });
        await page.WaitForFunctionAsync("() => document.getElementById('status').classList.contains('bad')", null,
            new() { Timeout = 40_000 });
        Log($"stalled: {await page.InnerTextAsync("#status")}");
        await page.UnrouteAsync("**/api/cluster");

        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'connected'", null,
            new() { Timeout = 30_000 });
        Assert.True(await row.IsVisibleAsync());
        Assert.Empty(await page.InnerTextAsync("#models-note"));

        // Opened (or reloaded) while the service cannot answer (its cluster restarting): the page keeps trying with the
        // tab's key and connects once the service is back.
        await page.RouteAsync("**/api/cluster", route => route.FulfillAsync(new()
        {
            Status = (int)HttpStatusCode.ServiceUnavailable, ContentType = "application/json",
            Body = """{"error": "the cluster did not answer", "code": "unavailable"}""",
        }));
        await page.ReloadAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.includes('cannot reach the service')");
        await page.UnrouteAsync("**/api/cluster");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'connected'", null,
            new() { Timeout = 15_000 });
        Assert.True(await row.IsVisibleAsync());
        session.AssertNoErrors(ignore: ["503", "Failed to load resource"]);
    }

    [SkippableFact]
    public async Task Hundreds_of_models_on_one_node_keep_the_cluster_view_short()
    {
        Skip.IfNot(SystemChromium.Available, SystemChromium.MissingReason);
        await using var session = await DashboardSession.OpenAsync(fx.Serve.BaseUrl, fx.Secret("admin"));
        var page = session.Page;
        // The service's own list, with 300 more models like the trained one (same node), as a big deployment would list.
        await page.RouteAsync("**/api/models", async route =>
        {
            var real = await route.FetchAsync();
            var list = JsonNode.Parse(await real.TextAsync())!;
            var models = list["models"]!.AsArray();
            var template = models.First(m => (string?)m!["label"] == Model)!;
            for (var i = 0; i < 300; i++)
            {
                var copy = template.DeepClone();
                copy["label"] = $"bulk-{i:D3}";
                models.Add(copy);
            }
            await route.FulfillAsync(new() { Response = real, Body = list.ToJsonString() });
        });
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#models tbody tr').length > 300", null,
            new() { Timeout = 15_000 });
        var members = await page.Locator("#members").BoundingBoxAsync();
        Log($"members table: {members!.Height:0} px high; node row: {await page.InnerTextAsync("#members tbody tr:last-child")}");
        Assert.True(members.Height < 300, $"the cluster members table is {members.Height:0} px high with over 300 models");
        Assert.Contains("more", await page.InnerTextAsync("#members"));

        var row = page.Locator("#models tbody tr.model-row", new() { HasText = "bulk-250" });
        await row.ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('detail-label').textContent.startsWith('bulk-250')");
        session.AssertNoErrors(ignore: ["404", "Failed to load resource"]);
    }

    private static void Log(string text) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss.fff}] {text}");

    /// <summary>Chromium with the dashboard open and connected with a key; console errors are collected.</summary>
    private sealed class DashboardSession : IAsyncDisposable
    {
        private readonly IPlaywright _playwright;
        private readonly IBrowser _browser;
        private readonly List<string> _errors = [];

        private DashboardSession(IPlaywright playwright, IBrowser browser, IPage page)
        {
            _playwright = playwright;
            _browser = browser;
            Page = page;
            page.Console += (_, m) => { if (m.Type == "error") lock (_errors) _errors.Add(m.Text); };
            page.PageError += (_, e) => { lock (_errors) _errors.Add("page error: " + e); };
        }

        public IPage Page { get; }

        public static async Task<DashboardSession> OpenAsync(string baseUrl, string secret)
        {
            var playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(SystemChromium.LaunchOptions);
            var session = new DashboardSession(playwright, browser,
                await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } }));
            await session.Page.GotoAsync(baseUrl + "/dashboard/");
            await session.Page.FillAsync("#api-key", secret);
            await session.Page.ClickAsync("#connect");
            await session.Page.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'connected'");
            return session;
        }

        public void AssertNoErrors(params string[] ignore)
        {
            lock (_errors)
            {
                var left = _errors.Where(e => !ignore.Any(i => e.Contains(i, StringComparison.Ordinal))).ToList();
                Assert.True(left.Count == 0, "browser console errors:\n" + string.Join('\n', left));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }
}
