using System.Text.Json;
using AntiNex.Gateway.Cluster;
using AntiNex.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>The queue consumer over a real Redis with a cluster that has no model node, so every predict misses its
/// deadline: such a request is retried behind the others and dead-lettered after its attempts, one that crashed
/// consumers before is dead-lettered at once, and neither keeps a good request waiting.</summary>
[Collection("cluster-processes")]
public sealed class QueueDeadLetterTests(ITestOutputHelper output) : ClusterTestBase(output)
{
    [Fact]
    public async Task A_request_without_an_answer_is_retried_then_dead_lettered_and_never_blocks_the_others()
    {
        await using var gateway = await StartLoneGatewayAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var db = redis.GetDatabase();
        const string queue = QueueOptions.PredictQueue;
        var processing = $"{queue}.processing.dl";
        var poison = """{"request_id": "p-poison", "label": "nowhere", "predict_rows": [{"a": 1}]}""";
        var crashed = """{"request_id": "p-crashed", "label": "nowhere", "predict_rows": [{"a": 2}]}""";
        await db.ListLeftPushAsync(queue, poison);
        // A large one: its letter keeps the first 64 KiB, its size and its hash (the dead list shares the journal's Redis).
        var large = "{\"request_id\": \"p-large\", \"label\": \"nowhere\", \"note\": \"" + new string('x', 100_000) +
            "\", \"predict_rows\": [{\"a\": 3}]}";
        await db.ListLeftPushAsync(queue, large);
        await db.ListLeftPushAsync(queue, """{"request_id": "p-bad", "label": ""}""");
        // Taken three times by consumers that died before answering: the next take is one too many.
        await db.ListLeftPushAsync(processing, crashed);
        await db.HashSetAsync(QueueOptions.Attempts(queue), "p-crashed", 3);

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var options = new QueueOptions { Consumer = "dl", Parallel = 1, PredictTimeout = TimeSpan.FromSeconds(1), MaxAttempts = 3 };
        var run = new QueueConsumer(gateway, redis, options, line => Log.Step(line)).RunAsync(cts.Token);

        async Task<JsonElement> ResultOf(string id)
        {
            while (true)
            {
                var value = await db.ListGetByIndexAsync(QueueOptions.ResultList(id), 0);
                if (!value.IsNull) return JsonDocument.Parse(value.ToString()).RootElement.Clone();
                if (run.IsFaulted) await run;
                await Task.Delay(100, cts.Token);
            }
        }

        var crashedResult = await ResultOf("p-crashed");
        Assert.Equal(("error", "dead-letter"), (crashedResult.GetProperty("status").GetString(), crashedResult.GetProperty("error").GetString()));
        var poisonResult = await ResultOf("p-poison");
        // The poison needed three deadlines; the bad request behind it was answered after the first.
        Assert.False((await db.ListGetByIndexAsync(QueueOptions.ResultList("p-bad"), 0)).IsNull);
        Assert.Equal("dead-letter", poisonResult.GetProperty("error").GetString());
        Assert.Contains("3 attempts", poisonResult.GetProperty("message").GetString());
        Assert.Equal("bad-request", (await ResultOf("p-bad")).GetProperty("error").GetString());

        await ResultOf("p-large");
        var letters = (await db.ListRangeAsync(QueueOptions.DeadLetters(queue))).Select(v => JsonDocument.Parse(v.ToString()).RootElement.Clone())
            .ToDictionary(l => l.GetProperty("request_id").GetString()!);
        Assert.Equal(["p-crashed", "p-large", "p-poison"], letters.Keys.Order());
        Assert.Equal(poison, letters["p-poison"].GetProperty("request").GetString());
        Assert.Equal(64 * 1024, letters["p-large"].GetProperty("request").GetString()!.Length);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(large), letters["p-large"].GetProperty("request_bytes").GetInt32());
        Assert.True(letters["p-large"].GetProperty("request_truncated").GetBoolean());
        Assert.Equal(3, letters["p-poison"].GetProperty("attempts").GetInt32());
        Assert.Equal(0, await db.ListLengthAsync(queue));
        // The consumer publishes a result, then clears its processing entry and attempt count.
        await Eventually.Equal(0L, () => db.ListLengthAsync(processing));
        await Eventually.Equal(0L, () => db.HashLengthAsync(QueueOptions.Attempts(queue)));
        cts.Cancel();
        try { await run; } catch (OperationCanceledException) { }
        Passed();
    }
}
