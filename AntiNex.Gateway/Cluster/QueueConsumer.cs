// The original AntiNex queue API, for any language: JSON requests pushed (LPUSH) onto the Redis lists
// webapp.train.requests / webapp.predict.requests are consumed here and answered on
//   - the list   webapp.results.<request_id>   (LPUSH, expires after a day), and
//   - the channel webapp.results                (PUBLISH, for live listeners).
// At-least-once: each request is moved atomically (LMOVE) to this consumer's processing list and removed only after
// its result is published; on start a consumer puts back whatever its previous run left in its processing lists.
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiNex.Models;
using StackExchange.Redis;

namespace AntiNex.Gateway.Cluster;

public sealed record QueueOptions
{
    public const string TrainQueue = "webapp.train.requests";
    public const string PredictQueue = "webapp.predict.requests";
    public const string ResultsChannel = "webapp.results";

    /// <summary>Names this consumer's processing lists; reuse it after a restart to recover in-flight requests.</summary>
    public string Consumer { get; init; } = "gateway";
    public int Parallel { get; init; } = 4;
    public TimeSpan TrainTimeout { get; init; } = TimeSpan.FromMinutes(30);
    public TimeSpan PredictTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan ResultTtl { get; init; } = TimeSpan.FromDays(1);
    public TimeSpan IdlePoll { get; init; } = TimeSpan.FromMilliseconds(100);

    public static string ResultList(string requestId) => $"{ResultsChannel}.{requestId}";
}

public sealed class QueueConsumer(GatewayClient client, IConnectionMultiplexer redis, QueueOptions options, Action<string>? log = null)
{
    public long Processed => Interlocked.Read(ref _processed);
    private long _processed;

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(
        Consume(QueueOptions.TrainQueue, train: true, ct),
        Consume(QueueOptions.PredictQueue, train: false, ct));

    private async Task Consume(string queue, bool train, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        RedisKey source = queue;
        RedisKey processing = $"{queue}.processing.{options.Consumer}";
        // Recover what a previous run of this consumer took but never answered.
        var recovered = 0;
        while (await db.ListMoveAsync(processing, source, ListSide.Right, ListSide.Right) is { IsNull: false }) recovered++;
        if (recovered > 0) log?.Invoke($"{queue}: re-queued {recovered} unanswered request(s) from {processing}");

        using var slots = new SemaphoreSlim(options.Parallel);
        var inFlight = new List<Task>();
        while (!ct.IsCancellationRequested)
        {
            await slots.WaitAsync(ct);
            RedisValue item;
            try { item = await db.ListMoveAsync(source, processing, ListSide.Right, ListSide.Left); }
            catch (RedisException ex)
            {
                slots.Release();
                log?.Invoke($"{queue}: redis error {ex.Message}; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                continue;
            }
            if (item.IsNull)
            {
                slots.Release();
                await Task.Delay(options.IdlePoll, ct);
                continue;
            }
            inFlight.RemoveAll(t => t.IsCompleted);
            inFlight.Add(Task.Run(async () =>
            {
                try { await Handle(db, processing, item!, train); }
                finally { slots.Release(); }
            }, CancellationToken.None));
        }
        await Task.WhenAll(inFlight);
    }

    private async Task Handle(IDatabase db, RedisKey processing, string json, bool train)
    {
        var requestId = RequestIdOf(json) ?? Guid.NewGuid().ToString("N");
        JsonObject result;
        try
        {
            var request = Commands.RequestFile.FromJson(json, train ? "train request" : "predict request");
            var reply = train
                ? await client.TrainAsync(request.ModelId, json, options.TrainTimeout, requestId: requestId,
                    origin: client.Origin with { Via = "queue:" + QueueOptions.TrainQueue })
                : await client.PredictAsync(request.ModelId, json, options.PredictTimeout, requestId: requestId);
            result = Envelope(requestId, train, reply is ModelFailed ? "error" : "ok");
            result["label"] = request.Label;
            result["result"] = JsonSerializer.SerializeToNode(reply, reply.GetType(), Commands.Output.JsonOptions);
        }
        catch (Commands.UsageException ex)
        {
            result = Envelope(requestId, train, "error");
            result["error"] = "bad-request";
            result["message"] = ex.Message;
        }
        catch (Exception ex) when (ex is TimeoutException or Akka.Actor.AskTimeoutException)
        {
            // No reply in time: the request stays in the processing list and is retried by the next run of this consumer.
            log?.Invoke($"request {requestId}: no reply in time ({ex.Message}); left for retry");
            return;
        }
        var text = result.ToJsonString();
        RedisKey results = QueueOptions.ResultList(requestId);
        await db.ListLeftPushAsync(results, text);
        await db.KeyExpireAsync(results, options.ResultTtl);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(QueueOptions.ResultsChannel), text);
        await db.ListRemoveAsync(processing, json, 1);
        Interlocked.Increment(ref _processed);
        log?.Invoke($"request {requestId} ({(train ? "train" : "predict")}): {result["status"]}");
    }

    private static JsonObject Envelope(string requestId, bool train, string status) => new()
    {
        ["request_id"] = requestId,
        ["kind"] = train ? "train" : "predict",
        ["status"] = status,
        ["at"] = DateTimeOffset.UtcNow.ToString("O"),
    };

    /// <summary>The caller's correlation id: request_id, else the original's job_id / result_id / id.</summary>
    private static string? RequestIdOf(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            foreach (var name in new[] { "request_id", "job_id", "result_id", "id" })
                if (doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                    return v.ToString();
        }
        catch (JsonException) { }
        return null;
    }
}
