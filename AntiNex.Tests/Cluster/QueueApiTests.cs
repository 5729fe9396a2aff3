using System.Text.Json;
using AntiNex.Gateway.Cluster;
using AntiNex.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>The original AntiNex queue API over a real Redis and a real node process: requests answered, a crashed
/// consumer's request recovered, and the same train text pushed again trained again.</summary>
[Collection("cluster-processes")]
public sealed class QueueApiTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task Requests_pushed_on_the_webapp_lists_are_answered_and_unanswered_ones_recovered()
    {
        var node = StartNode(SeedPorts[0]);
        await node.WaitReadyAsync(Ready);
        var gateway = await ConnectGatewayAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var db = redis.GetDatabase();

        static string WithId(string json, string id) => "{\"request_id\": \"" + id + "\", " + json.TrimStart()[1..];
        await db.ListLeftPushAsync(QueueOptions.TrainQueue, WithId(Data.TrainJson("Queued"), "t-1"));
        await db.ListLeftPushAsync(QueueOptions.TrainQueue, """{"request_id": "bad-1", "label": ""}""");
        // A predict a crashed consumer "q" had taken but never answered: the next run of "q" must put it back.
        await db.ListLeftPushAsync($"{QueueOptions.PredictQueue}.processing.q", WithId(Data.PredictJson("Queued"), "p-1"));

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var consumer = new QueueConsumer(gateway, redis, new QueueOptions { Consumer = "q" }, line => Log.Step(line));
        var run = consumer.RunAsync(cts.Token);

        async Task<JsonElement> ResultOf(string id)
        {
            while (true)
            {
                var value = await db.ListGetByIndexAsync(QueueOptions.ResultList(id), 0);
                if (!value.IsNull) return JsonDocument.Parse(value.ToString()).RootElement.Clone();
                if (run.IsFaulted) await run;
                await Task.Delay(200, cts.Token);
            }
        }

        var trained = await ResultOf("t-1");
        Assert.Equal("ok", trained.GetProperty("status").GetString());
        Assert.Equal(1, trained.GetProperty("result").GetProperty("version").GetInt64());
        var bad = await ResultOf("bad-1");
        Assert.Equal("error", bad.GetProperty("status").GetString());
        Assert.Contains("label", bad.GetProperty("message").GetString());
        // The recovered predict may have raced the training: before it, it trains-first is impossible (no dataset), so
        // it is answered "not-trained" or with predictions; either way it is answered, not lost.
        var predicted = await ResultOf("p-1");
        Assert.Equal("p-1", predicted.GetProperty("request_id").GetString());
        await db.ListLeftPushAsync(QueueOptions.PredictQueue, WithId(Data.PredictJson("Queued"), "p-2"));
        var second = await ResultOf("p-2");
        Assert.Equal("ok", second.GetProperty("status").GetString());
        Assert.Equal(8, second.GetProperty("result").GetProperty("result").GetProperty("samples").GetArrayLength());
        // A train without an id of its own, pushed twice: each push trains (a new version), both answered on the list named
        // by the first 16 hex digits of the request's SHA-256.
        var anonymous = Data.TrainJson("Queued");
        var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(anonymous)))[..16];
        foreach (var expected in new[] { 2L, 3L })
        {
            await db.ListLeftPushAsync(QueueOptions.TrainQueue, anonymous);
            await Eventually.Equal(expected - 1, () => db.ListLengthAsync(QueueOptions.ResultList(key)), TimeSpan.FromMinutes(3));
            var again = await ResultOf(key);
            Assert.Equal(("ok", expected), (again.GetProperty("status").GetString(), again.GetProperty("result").GetProperty("version").GetInt64()));
        }
        // Identical predicts without an id, taken together: they share one attempt count, and each is answered, none
        // dead-lettered for the takes of its running copies.
        var same = Data.PredictJson("Queued");
        const int Copies = 16; // enough that some are answered while others are still being taken
        var sameKey = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(same)))[..16];
        for (var i = 0; i < Copies; i++) await db.ListLeftPushAsync(QueueOptions.PredictQueue, same);
        await Eventually.Equal((long)Copies, () => db.ListLengthAsync(QueueOptions.ResultList(sameKey)), TimeSpan.FromMinutes(2));
        foreach (var result in await db.ListRangeAsync(QueueOptions.ResultList(sameKey)))
            Assert.Equal("ok", JsonDocument.Parse(result.ToString()).RootElement.GetProperty("status").GetString());
        Assert.Equal(0, await db.ListLengthAsync(QueueOptions.DeadLetters(QueueOptions.PredictQueue)));
        // The consumer publishes a result, then removes the request from its processing list.
        await Eventually.Equal(0L, () => db.ListLengthAsync($"{QueueOptions.PredictQueue}.processing.q"));
        await Eventually.Equal(0L, () => db.ListLengthAsync($"{QueueOptions.TrainQueue}.processing.q"));
        cts.Cancel();
        try { await run; } catch (OperationCanceledException) { }
        Passed();
    }
}
