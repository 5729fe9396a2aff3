// The original AntiNex queue API, for any language: JSON requests pushed (LPUSH) onto the Redis lists
// webapp.train.requests / webapp.predict.requests are consumed here and answered on
//   - the list   webapp.results.<request_id>   (LPUSH, expires after a day), and
//   - the channel webapp.results                (PUBLISH, for live listeners).
// At-least-once: each request is moved atomically (LMOVE) to this consumer's processing list and removed only after
// its result is published; on start a consumer puts back whatever its previous run left in its processing lists.
// Bounded: every take of a request counts an attempt (kept in Redis, so a request that crashes consumers counts too);
// a request with no answer before its deadline goes back to the end of its queue, and after MaxAttempts it is moved to
// the dead-letter list <queue>.dead and answered with status "error", so one poison request never blocks the others
// nor comes back forever.
using System.Security.Cryptography;
using System.Text;
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
    /// <summary>Takes of one request before it is dead-lettered (answered with an error, never retried again).</summary>
    public int MaxAttempts { get; init; } = 3;
    /// <summary>Dead letters kept per queue (oldest dropped).</summary>
    public int DeadLetterCap { get; init; } = 10_000;

    public static string ResultList(string requestId) => $"{ResultsChannel}.{requestId}";
    /// <summary>Requests given up on (JSON envelopes: request_id, reason, attempts, at, request), newest first.</summary>
    public static string DeadLetters(string queue) => $"{queue}.dead";
    /// <summary>Hash of attempts per request (by request id, else a hash of its text).</summary>
    public static string Attempts(string queue) => $"{queue}.attempts";
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
                try { await Take(db, source, processing, item!, train); }
                catch (RedisException ex) { log?.Invoke($"{queue}: redis error {ex.Message}; the request stays in {processing}"); }
                finally { slots.Release(); }
            }, CancellationToken.None));
        }
        await Task.WhenAll(inFlight);
    }

    /// <summary>Counts the attempt; a request past its attempts is dead-lettered, one without an answer before its deadline
    /// goes back to the end of its queue (or is dead-lettered on its last attempt).</summary>
    private async Task Take(IDatabase db, RedisKey source, RedisKey processing, string json, bool train)
    {
        var requestId = RequestIdOf(json);
        var key = requestId ?? "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
        RedisKey attemptsKey = QueueOptions.Attempts(source!);
        var attempt = await db.HashIncrementAsync(attemptsKey, key);
        await db.KeyExpireAsync(attemptsKey, options.ResultTtl);
        requestId ??= key[7..23];
        if (attempt > options.MaxAttempts)
        {
            await DeadLetter(db, source, processing, json, requestId, key, train, attempt - 1,
                $"taken {attempt - 1} times without an answer (a consumer stopped or timed out each time)");
            return;
        }
        var deadline = train ? options.TrainTimeout : options.PredictTimeout;
        if (await Handle(db, processing, json, requestId, train, deadline))
        {
            await db.HashDeleteAsync(attemptsKey, key);
            return;
        }
        if (attempt >= options.MaxAttempts)
            await DeadLetter(db, source, processing, json, requestId, key, train, attempt,
                $"no answer within its deadline of {deadline.TotalSeconds:0} s on each of {attempt} attempts");
        else
        {
            // To the far end of the queue: the requests behind it go first.
            await db.ListLeftPushAsync(source, json);
            await db.ListRemoveAsync(processing, json, 1);
            log?.Invoke($"request {requestId}: no answer within {deadline.TotalSeconds:0} s (attempt {attempt} of {options.MaxAttempts}); re-queued");
        }
    }

    private async Task DeadLetter(IDatabase db, RedisKey source, RedisKey processing, string json, string requestId, string key, bool train,
        long attempts, string reason)
    {
        var letter = Envelope(requestId, train, "dead-letter");
        letter["reason"] = reason;
        letter["attempts"] = attempts;
        letter["request"] = json;
        RedisKey dead = QueueOptions.DeadLetters(source!);
        await db.ListLeftPushAsync(dead, letter.ToJsonString());
        await db.ListTrimAsync(dead, 0, options.DeadLetterCap - 1);
        var result = Envelope(requestId, train, "error");
        result["error"] = "dead-letter";
        result["message"] = $"request given up after {attempts} attempt(s): {reason}; kept in {dead}";
        await Publish(db, result);
        await db.ListRemoveAsync(processing, json, 1);
        await db.HashDeleteAsync(QueueOptions.Attempts(source!), key);
        log?.Invoke($"request {requestId}: dead-lettered to {dead}: {reason}");
    }

    /// <summary>True when answered (result published, request removed); false when no answer came before the deadline.</summary>
    private async Task<bool> Handle(IDatabase db, RedisKey processing, string json, string requestId, bool train, TimeSpan deadline)
    {
        JsonObject result;
        try
        {
            var request = Commands.RequestFile.FromJson(json, train ? "train request" : "predict request");
            var reply = train
                ? await client.TrainAsync(request.ModelId, json, deadline, requestId: requestId,
                    origin: client.Origin with { Via = "queue:" + QueueOptions.TrainQueue })
                : await client.PredictAsync(request.ModelId, json, deadline, requestId: requestId);
            if (reply is ModelFailed { Code: "timeout" }) throw new TimeoutException(((ModelFailed)reply).Message);
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
        catch (Exception ex) when (ex is TimeoutException or Akka.Actor.AskTimeoutException or TaskCanceledException)
        {
            log?.Invoke($"request {requestId}: no reply in time ({ex.Message})");
            return false;
        }
        await Publish(db, result);
        await db.ListRemoveAsync(processing, json, 1);
        Interlocked.Increment(ref _processed);
        log?.Invoke($"request {requestId} ({(train ? "train" : "predict")}): {result["status"]}");
        return true;
    }

    private async Task Publish(IDatabase db, JsonObject result)
    {
        var text = result.ToJsonString();
        RedisKey results = QueueOptions.ResultList(result["request_id"]!.GetValue<string>());
        await db.ListLeftPushAsync(results, text);
        await db.KeyExpireAsync(results, options.ResultTtl);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(QueueOptions.ResultsChannel), text);
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
        catch (InvalidOperationException) { } // an id that is not valid text: the request is answered by its hash
        return null;
    }
}
