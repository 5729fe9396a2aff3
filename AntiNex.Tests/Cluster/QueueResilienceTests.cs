using System.Text;
using System.Text.Json;
using AntiNex.Gateway.Cluster;
using AntiNex.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>The queue consumer over a real Redis, with a cluster that has no model node (every predict misses its
/// deadline): a request that is not UTF-8, or over the size limit, is answered once and removed; one consumer per name; a stopped consumer's
/// requests are put back by another without counting that take as an attempt; a Redis that hangs for longer than a
/// command's timeout does not stop the consumer.</summary>
[Collection("cluster-processes")]
public sealed class QueueResilienceTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    private const string Queue = QueueOptions.PredictQueue;

    [Fact]
    public async Task The_queue_survives_bad_bytes_a_held_name_a_stopped_consumer_and_a_hung_redis()
    {
        await using var gateway = await StartLoneGatewayAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var db = redis.GetDatabase();
        var fast = new QueueOptions
        {
            Consumer = "a", Parallel = 2, PredictTimeout = TimeSpan.FromSeconds(1), LeaseTtl = TimeSpan.FromSeconds(3), MaxItemBytes = 65_536,
        };

        // ---- a request that is not UTF-8: answered "bad-request" once, gone from the processing list ----
        byte[] latin1 = [.. Encoding.UTF8.GetBytes("{\"request_id\": \"p-latin\", \"label\": \"caf"), 0xE9, .. "\"}"u8];
        await db.ListLeftPushAsync(Queue, latin1);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            var run = new QueueConsumer(gateway, redis, fast, line => Log.Step(line)).RunAsync(cts.Token);
            var result = await ResultOf(db, "p-latin", run);
            Assert.Equal("bad-request", result.GetProperty("error").GetString());
            Assert.Contains("not UTF-8", result.GetProperty("message").GetString());
            await Eventually.Equal(0L, () => db.ListLengthAsync($"{Queue}.processing.a"));

            // ---- a request over the size limit: answered bad-request unread, gone from the processing list ----
            var huge = new string('x', 70_000);
            await db.ListLeftPushAsync(Queue, $$"""{"request_id": "p-huge", "label": "{{huge}}"}""");
            var hugeKey = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
                Encoding.UTF8.GetBytes($$"""{"request_id": "p-huge", "label": "{{huge}}"}""")))[..16];
            var refused = await ResultOf(db, hugeKey, run);
            Assert.Equal("bad-request", refused.GetProperty("error").GetString());
            Assert.Contains("over this queue's limit of 65536", refused.GetProperty("message").GetString());
            await Eventually.Equal(0L, () => db.ListLengthAsync($"{Queue}.processing.a"));

            // ---- a second consumer under a held name is refused ----
            await Assert.ThrowsAsync<ConsumerNameHeldException>(() => new QueueConsumer(gateway, redis, fast).RunAsync(cts.Token));

            // ---- a Redis that hangs for 7 s (longer than a command's 5 s timeout): the consumer goes on ----
            Redis.Pause();
            await Task.Delay(TimeSpan.FromSeconds(7));
            Redis.Resume();
            await db.ListLeftPushAsync(Queue, """{"request_id": "p-after", "label": ""}""");
            Assert.Equal("bad-request", (await ResultOf(db, "p-after", run)).GetProperty("error").GetString());
            cts.Cancel();
            await run;
        }
        Assert.Equal(1, await db.ListLengthAsync(QueueOptions.ResultList("p-latin"))); // answered once, not at every restart

        // ---- consumer "b" stops with a request in hand; its take is not counted, and consumer "a" puts it back ----
        var slow = fast with { Consumer = "b", PredictTimeout = TimeSpan.FromSeconds(60) };
        await db.ListLeftPushAsync(Queue, """{"request_id": "p-held", "label": "nowhere", "predict_rows": [{"a": 1}]}""");
        using (var cts = new CancellationTokenSource())
        {
            var run = new QueueConsumer(gateway, redis, slow, line => Log.Step(line)).RunAsync(cts.Token);
            await Eventually.Equal(1L, () => db.ListLengthAsync($"{Queue}.processing.b"), TimeSpan.FromSeconds(30));
            Assert.Equal(1, (long)await db.HashGetAsync(QueueOptions.Attempts(Queue), "p-held"));
            cts.Cancel();
            await run;
        }
        Assert.Equal(0, (long)await db.HashGetAsync(QueueOptions.Attempts(Queue), "p-held"));
        Assert.Equal(1, await db.ListLengthAsync($"{Queue}.processing.b"));
        using (var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            var run = new QueueConsumer(gateway, redis, fast with { MaxAttempts = 1 }, line => Log.Step(line)).RunAsync(cts.Token);
            var result = await ResultOf(db, "p-held", run);
            // Put back by "a", taken once there (the stop did not count): dead-lettered after its one attempt, not at once.
            Assert.Equal("dead-letter", result.GetProperty("error").GetString());
            Assert.Contains("on each of 1 attempts", result.GetProperty("message").GetString());
            Assert.Equal(0, await db.ListLengthAsync($"{Queue}.processing.b"));
            cts.Cancel();
            await run;
        }
        Passed();
    }

    private static async Task<JsonElement> ResultOf(IDatabase db, string id, Task run)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var value = await db.ListGetByIndexAsync(QueueOptions.ResultList(id), 0);
            if (!value.IsNull) return JsonDocument.Parse(value.ToString()).RootElement.Clone();
            if (run.IsCompleted) await run;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"no result for {id} within 90 s");
    }
}
