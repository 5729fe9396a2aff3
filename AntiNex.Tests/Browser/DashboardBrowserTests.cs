using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AntiNex.Data.Synthetic;
using AntiNex.Gateway.Http.Auth;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Http;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AntiNex.Tests.Browser;

/// <summary>
/// The dashboard in a real headless Chromium against a real cluster: three node processes, redis-server and
/// `antinex-gateway serve` as its own process. A training started through the API is followed live on the page, the
/// model then shows its metrics, confusion matrix and curves, and a predict sent from the page shows its predictions.
/// </summary>
[Collection("cluster-processes")]
public sealed class DashboardBrowserTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    // Markup in the label: the page must show it as text, never run or render it.
    private const string Label = "dash <img src=x onerror=window.__xss=1> & co";

    [SkippableFact]
    public async Task Dashboard_follows_a_training_live_then_shows_the_model_and_predicts_from_the_page()
    {
        Skip.IfNot(SystemChromium.Available, SystemChromium.MissingReason);
        var nodes = await StartThreeNodesAsync();
        var keyFile = Path.Combine(WorkDir, "api-keys.json");
        var secret = ApiKeyStore.AddToFile(keyFile, "dashboard", [ApiScope.Read, ApiScope.Train, ApiScope.Predict], "*", null);
        using var serve = ServeProcess.Start(WorkDir, Seeds, keyFile);
        await serve.WaitReadyAsync(Ready);
        Log.Step($"serve ready at {serve.BaseUrl}");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(SystemChromium.LaunchOptions);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add(m.Text); };
        page.PageError += (_, e) => { lock (errors) errors.Add("page error: " + e); };

        await page.GotoAsync(serve.BaseUrl + "/");
        Assert.EndsWith("/dashboard/", page.Url);
        await page.FillAsync("#api-key", "anx_not-a-key");
        await page.ClickAsync("#connect");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.includes('key refused')");
        Assert.True(await page.IsHiddenAsync("#main"));

        await page.FillAsync("#api-key", secret);
        await page.ClickAsync("#connect");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#members tbody tr').length >= 4");
        lock (errors) errors.Clear(); // the refused key's 401 is logged by the browser: expected
        var members = await page.InnerTextAsync("#members");
        foreach (var node in nodes) Assert.Contains(node.Name, members);
        Assert.Contains("gateway", members);
        Log.Step("connected: members shown");

        // Every state a job card passes through is recorded in the page, however fast the events arrive (the page finds a
        // job within its refresh interval, then replays its events from the start): polling from here would miss some.
        await page.EvaluateAsync(@"() => {
            window.jobTraces = {};
            new MutationObserver(() => {
              for (const card of document.querySelectorAll('#jobs [data-job]')) {
                const trace = window.jobTraces[card.dataset.job] ??= [];
                const entry = { value: card.querySelector('progress').value, phase: card.querySelector('.phase').textContent };
                const last = trace[trace.length - 1];
                if (!last || last.value !== entry.value || last.phase !== entry.phase) trace.push(entry);
              }
            }).observe(document.getElementById('jobs'), { subtree: true, childList: true, characterData: true, attributes: true });
          }");

        // A training through the API (not the page): the page finds it and follows its progress events. Long enough
        // (48 epochs) that a fast machine still shows several steps after the page has found the job.
        var dataset = Path.Combine(Data.Root, "traffic-20k.csv");
        SyntheticTraffic.WriteFile(dataset, 20_000, 11);
        using var http = new HttpClient { BaseAddress = new Uri(serve.BaseUrl), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var started = await http.PostAsync("/api/train",
            new StringContent(Data.TrainJson(Label, epochs: 48, dataset: dataset), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var jobId = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("job_id").GetString()!;
        Log.Step($"training {jobId} started through the API");

        var deadline = DateTime.UtcNow + TrainTimeout;
        while (!await page.Locator($"[data-job='{jobId}'].done, [data-job='{jobId}'].failed").IsVisibleAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, "the training did not finish on the page in time");
            await Task.Delay(200);
        }
        var trace = (await page.EvaluateAsync<JsonElement>("id => window.jobTraces[id] || []", jobId)).EnumerateArray()
            .Select(t => (Value: t.GetProperty("value").GetDouble(), Phase: t.GetProperty("phase").GetString()!)).ToList();
        var seen = trace.Select(t => t.Value).Distinct().ToList();
        var phases = trace.Select(t => t.Phase.Split(':')[0]).ToHashSet();
        var card = await page.InnerTextAsync($"[data-job='{jobId}']");
        Log.Step($"progress values seen: {string.Join(", ", seen.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))}; "
            + $"phases: {string.Join(", ", phases)}; card: {card.ReplaceLineEndings(" | ")}");
        Assert.Contains("done: version 1", card);
        Assert.True(seen.Count(v => v is > 0 and < 1) >= 3, "the bar should have advanced in steps while training");
        Assert.Equal(trace.Select(t => t.Value).OrderBy(v => v), trace.Select(t => t.Value)); // never backwards
        // The page names the phases as they pass: the cross-validation's folds, then the final fit.
        Assert.Contains("cv", phases);
        Assert.Contains("fit", phases);

        // The model row, then its detail (selected when its training completes): metrics, confusion matrix, curves.
        var row = page.Locator("#models tbody tr.model-row", new() { HasText = Label });
        await row.WaitForAsync(new() { Timeout = 30_000 });
        var rowText = await row.InnerTextAsync();
        Assert.Contains("accuracy", rowText);
        Assert.Contains("F1", rowText);
        await page.Locator("#confusion-table").WaitForAsync(new() { Timeout = 30_000 });
        var description = JsonDocument.Parse(await http.GetStringAsync("/api/models/" + Uri.EscapeDataString(Label))).RootElement;
        var testRows = description.GetProperty("metrics").GetProperty("test_rows").GetInt32();
        var cells = await page.Locator("#confusion-table tbody td").AllInnerTextsAsync();
        Assert.Equal(4, cells.Count);
        Assert.Equal(testRows, cells.Sum(c => int.Parse(c, CultureInfo.InvariantCulture)));
        foreach (var kind in new[] { "confusion", "loss", "accuracy" })
        {
            var image = page.Locator($"#plots img.plot-{kind}");
            await image.WaitForAsync(new() { Timeout = 30_000 });
            await page.WaitForFunctionAsync(
                $"() => {{ const i = document.querySelector('#plots img.plot-{kind}'); return i && i.complete && i.naturalWidth > 0; }}");
        }
        Assert.Contains(Label, await page.InnerTextAsync("#detail-label"));
        Log.Step("model shown with metrics, confusion matrix and curves");

        // A predict from the page: rows pasted as a JSON array; the page fills in the rest from the model.
        await page.SelectOptionAsync("#predict-label", Label);
        var rows = Data.Rows.Take(5).Select(r => TestData.Features.Append("label_value").ToDictionary(f => f, f => r[f]));
        await page.FillAsync("#predict-rows", JsonSerializer.Serialize(rows));
        await page.ClickAsync("#predict-submit");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#predictions tbody tr').length === 5");
        var predictions = await page.InnerTextAsync("#predict-result");
        Assert.Contains("made predictions=5", predictions);
        Assert.Contains("attack", predictions);
        await page.WaitForFunctionAsync("() => /requests\\s*[1-9]/.test(document.getElementById('predict-stats').innerText)",
            null, new() { Timeout = 15_000 });
        Log.Step("predicted from the page; predict traffic counted");

        // The label was shown as text everywhere: no element was made from it and nothing ran.
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.querySelectorAll('img[src=\"x\"]').length"));
        Assert.False(await page.EvaluateAsync<bool>("() => window.__xss === 1"));

        // Six unfinished trainings at once: the page keeps refreshing (a browser holds six connections to a plain-http
        // host; one live stream per job would take them all), and every card shows its job.
        var slow = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var queued = await http.PostAsync("/api/train",
                new StringContent(Data.TrainJson($"dash-busy-{i}", epochs: 10_000), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            slow.Add(JsonDocument.Parse(await queued.Content.ReadAsStringAsync()).RootElement.GetProperty("job_id").GetString()!);
        }
        try
        {
            await page.WaitForFunctionAsync($"ids => ids.every(id => document.querySelector(`[data-job='${{id}}']`))", slow,
                new() { Timeout = 30_000 });
            var before = await page.InnerTextAsync("#refreshed");
            await page.WaitForFunctionAsync("text => document.getElementById('refreshed').textContent !== text", before,
                new() { Timeout = 15_000 });
            Log.Step("six unfinished trainings on the page: it still refreshes");
        }
        finally
        {
            foreach (var id in slow) await http.PostAsync($"/api/jobs/{id}/cancel", null);
        }

        var screenshot = Path.Combine(AppContext.BaseDirectory, "browser", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        Log.Step($"screenshot: {screenshot}");
        lock (errors) Assert.True(errors.Count == 0, "browser console errors:\n" + string.Join('\n', errors));
        Passed();
    }
}
