using System.Text.Json;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AntiNex.Tests.Integrity;

/// <summary>A real node, a real redis-server and the gateway CLI: console and queue commands land in the audit stream
/// with their caller identity, and `antinex-gateway audit` reads them back through the cluster.</summary>
[Collection("cluster-processes")]
public sealed class AuditClusterTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private async Task<JsonElement[]> AuditAsync(NodeProcess node, params string[] args)
    {
        var run = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(2), ["audit", "--json", "--seed-node", node.Address, .. args]);
        Assert.True(run.ExitCode == 0, $"audit {string.Join(' ', args)}: exit {run.ExitCode}\n{run.Stderr}\n{run.Stdout}");
        return JsonDocument.Parse(run.Stdout).RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private static string Text(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) ? value.GetString() ?? "" : "";

    [Fact]
    public async Task Console_and_queue_commands_are_audited_with_their_caller_and_read_back_by_label()
    {
        var node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        await TrainAsync(gateway, "Audit-A");
        Assert.IsType<TrainingCancelled>(await gateway.CancelAsync("audit-a", AskTimeout)); // nothing to cancel: audited too
        Assert.IsType<ModelForgotten>(await gateway.ForgetAsync("audit-a", AskTimeout));

        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var db = redis.GetDatabase();
        await db.ListLeftPushAsync(QueueOptions.TrainQueue, "{\"request_id\": \"q-1\", " + Data.TrainJson("Audit-Q").TrimStart()[1..]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var consumer = new QueueConsumer(gateway, redis, new QueueOptions { Consumer = "audit" }, line => Log.Step(line));
        var run = consumer.RunAsync(cts.Token);
        while ((await db.ListGetByIndexAsync(QueueOptions.ResultList("q-1"), 0)).IsNull)
        {
            if (run.IsFaulted) await run;
            await Task.Delay(200, cts.Token);
        }
        cts.Cancel();
        try { await run; } catch (OperationCanceledException) { }
        Log.Step("trained + forgot audit-a from the console, trained audit-q from the queue");

        // The entity publishes its notice after replying; give the audit write a moment.
        JsonElement[] a = [];
        for (var i = 0; i < 50 && a.Length < 3; i++, await Task.Delay(200)) a = await AuditAsync(node, "--label", "AUDIT-A");
        Assert.Equal(["forget", "cancel", "train"], a.Select(e => Text(e, "action")));
        Assert.Equal(["ok", "nothing", "ok"], a.Select(e => Text(e, "result")));
        Assert.All(a, e =>
        {
            Assert.Contains("antinex-gateway", Text(e, "who")); // the console's certificate subject
            Assert.Equal("console", Text(e, "via"));
            Assert.NotEqual("", Text(e, "client"));
            Assert.Equal(node.Name, Text(e, "node"));
        });

        var q = await AuditAsync(node, "--label", "audit-q");
        var queued = Assert.Single(q);
        Assert.Equal(("train", "queue:webapp.train.requests", "q-1", "ok"),
            (Text(queued, "action"), Text(queued, "via"), Text(queued, "request_id"), Text(queued, "result")));

        Assert.Equal(4, (await AuditAsync(node)).Length);
        Assert.Single(await AuditAsync(node, "--limit", "1"));
        Assert.Empty(await AuditAsync(node, "--label", "never-used"));
        Assert.Empty(await AuditAsync(node, "--since", DateTimeOffset.UtcNow.AddHours(1).ToString("O")));
        Assert.Equal(4, await db.StreamLengthAsync("antinex:audit"));
        Assert.All(await AuditAsync(node), e => Assert.Equal("verified", Text(e, "integrity"))); // the nodes sign what they write

        // What the Redis password alone allows: an entry naming another caller. It reads back, marked as not verified.
        await db.StreamAddAsync("antinex:audit", [new("at", DateTimeOffset.UtcNow.ToString("O")), new("action", "forget"),
            new("label", "audit-a"), new("who", "CN=someone-else"), new("result", "ok"), new("node", node.Name)]);
        var forged = (await AuditAsync(node, "--label", "audit-a"))[0];
        Assert.Equal(("CN=someone-else", "unsigned"), (Text(forged, "who"), Text(forged, "integrity")));
        var table = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "audit", "--seed-node", node.Address);
        Assert.Contains("UNSIGNED", table.Stdout);
        Assert.Contains("1 entries do not verify", table.Stdout);

        var bad = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1), "audit", "--since", "yesterday-ish", "--seed-node", node.Address);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--since", bad.Stderr);
        Passed();
    }
}
