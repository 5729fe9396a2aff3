// The original AntiNex queue API, for any language: JSON requests pushed (LPUSH) onto the Redis lists
// webapp.train.requests / webapp.predict.requests are consumed here and answered on
//   - the list   webapp.results.<request_id>   (LPUSH, expires after a day), and
//   - the channel webapp.results                (PUBLISH, for live listeners).
// At-least-once: each request is moved atomically (LMOVE) to this consumer's processing list and removed only after
// its result is published; on start a consumer puts back whatever its previous run left in its processing lists, and
// any consumer puts back the lists of a consumer whose name is no longer held (ConsumerLease).
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
    /// <summary>Largest request taken (bytes); a larger one is answered bad-request, unread (its id is its hash).</summary>
    public long MaxItemBytes { get; init; } = 64L * 1024 * 1024;
    /// <summary>How long a consumer's name stays held after it stopped renewing it (<see cref="ConsumerLease"/>).</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(15);

    public static string ResultList(string requestId) => $"{ResultsChannel}.{requestId}";
    /// <summary>Requests given up on (JSON envelopes: request_id, reason, attempts, at, request), newest first.</summary>
    public static string DeadLetters(string queue) => $"{queue}.dead";
    /// <summary>Hash of attempts per request (by request id, else a hash of its bytes), and the id a request without one
    /// trains under while it is retried.</summary>
    public static string Attempts(string queue) => $"{queue}.attempts";
}

public sealed class QueueConsumer(GatewayClient client, IConnectionMultiplexer redis, QueueOptions options, Action<string>? log = null)
{
    public long Processed => Interlocked.Read(ref _processed);
    private long _processed;

    /// <summary>The requests taken and not yet finished (attempts key and field), with how many copies of each are running
    /// (identical bytes without an id share one count): on a graceful stop their takes are not counted as attempts, since
    /// the next run puts them back.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Attempts, string Key), int> _taken = new();
    /// <summary>Counting a copy's take (in Redis and in <see cref="_taken"/>) and dropping it are each one step per request:
    /// a copy counted in Redis but not yet here, or here after the others' answers left, would read their takes as
    /// failures and dead-letter itself. Striped by request: other requests never wait.</summary>
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    // Answers a request only while this consumer still holds it (another may have put it back: answered once, by the other).
    private const string AnswerScript = """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
        redis.call('LPUSH', KEYS[2], ARGV[2])
        redis.call('EXPIRE', KEYS[2], ARGV[3])
        redis.call('PUBLISH', ARGV[4], ARGV[2])
        return 1
        """;
    // Takes back an attempt only if the request's count is still there (a take that finished meanwhile deleted it).
    private const string UncountScript =
        "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end return 0";
    // Moves a request from a processing list back to its queue only if it is still there (never twice).
    private const string PutBackScript =
        "if redis.call('LREM', KEYS[1], 1, ARGV[1]) > 0 then redis.call('LPUSH', KEYS[2], ARGV[1]) return 1 end return 0";

    /// <exception cref="ConsumerNameHeldException">another running consumer holds this consumer's name.</exception>
    public async Task RunAsync(CancellationToken ct)
    {
        var lease = new ConsumerLease(redis, options.Consumer, options.LeaseTtl, log);
        await lease.AcquireAsync(ct);
        using var consuming = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var keeping = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var lost = false;
        var keep = lease.KeepAsync(() => { lost = true; consuming.Cancel(); }, keeping.Token);
        try
        {
            await Task.WhenAll(Consume(QueueOptions.TrainQueue, train: true, consuming.Token),
                Consume(QueueOptions.PredictQueue, train: false, consuming.Token));
        }
        finally
        {
            await UncountUnfinishedAsync();
            await keeping.CancelAsync();
            await keep;
        }
        if (lost)
            throw new ConsumerNameHeldException($"consumer name '{options.Consumer}' was taken by another consumer while Redis was " +
                "away for longer than the lease; this one stopped");
    }

    private async Task Consume(string queue, bool train, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        RedisKey source = queue;
        RedisKey processing = $"{queue}.processing.{options.Consumer}";
        // Recover what a previous run of this consumer took but never answered.
        var recovered = 0;
        while (true)
        {
            try
            {
                // Newest first onto the queue's head: the oldest ends at the head, so the requests keep their order.
                while (await db.ListMoveAsync(processing, source, ListSide.Left, ListSide.Right) is { IsNull: false }) recovered++;
                break;
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                log?.Invoke($"{queue}: redis error {ex.Message} while putting back {processing}; retrying");
                try { await Task.Delay(TimeSpan.FromSeconds(1), ct); }
                catch (OperationCanceledException) { return; }
            }
        }
        if (recovered > 0) log?.Invoke($"{queue}: re-queued {recovered} unanswered request(s) from {processing}");

        // Not disposed: a request still running when the consumer stops releases its slot after this method returns.
        var slots = new SemaphoreSlim(options.Parallel);
        var inFlight = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await slots.WaitAsync(ct);
                RedisValue item;
                try { item = await db.ListMoveAsync(source, processing, ListSide.Right, ListSide.Left); }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
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
                    try { await Take(db, source, processing, item, train); }
                    catch (Exception ex)
                    {
                        log?.Invoke($"{queue}: {ex.GetType().Name}: {ex.Message} while handling a request; putting it back");
                        await PutBack(db, source, processing, item);
                    }
                    finally { slots.Release(); }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the requests that finish within a moment are answered; those still running stay in the processing
            // list, for this consumer's next run (or another consumer, once this one's name is free) to put back.
            var running = Task.WhenAll(inFlight);
            if (await Task.WhenAny(running, Task.Delay(StopGrace, CancellationToken.None)) != running)
                log?.Invoke($"{queue}: {inFlight.Count(t => !t.IsCompleted)} request(s) still running are left for the next take");
        }
    }

    /// <summary>How long a stopping consumer waits for the requests it is handling (a predict is answered in well under it).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    /// <summary>Puts a request whose handling failed back on its queue, trying for a minute while Redis is away; after that
    /// it stays in the processing list until this consumer's next run.</summary>
    private async Task PutBack(IDatabase db, RedisKey source, RedisKey processing, RedisValue item)
    {
        for (var i = 0; i < 60; i++)
        {
            try
            {
                await db.ScriptEvaluateAsync(PutBackScript, [processing, source], [item]);
                return;
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
        log?.Invoke($"{source}: a request stays in {processing} until this consumer runs again (Redis did not answer for a minute)");
    }

    /// <summary>On a stop, the takes of unfinished requests are not counted: a request is dead-lettered for failing, not for
    /// the deploys that restarted its consumers.</summary>
    private async Task UncountUnfinishedAsync()
    {
        var db = redis.GetDatabase();
        foreach (var ((attempts, key), copies) in _taken)
            for (var i = 0; i < copies; i++)
            {
                try { await db.ScriptEvaluateAsync(UncountScript, [attempts], [key]); }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException) { }
            }
        if (!_taken.IsEmpty) log?.Invoke($"stopping: {_taken.Count} request(s) left unfinished, for the next run");
    }

    /// <summary>Counts the attempt; a request past its attempts is dead-lettered, one without an answer before its deadline
    /// goes back to the end of its queue (or is dead-lettered on its last attempt).</summary>
    private async Task Take(IDatabase db, RedisKey source, RedisKey processing, RedisValue item, bool train)
    {
        // The item's own bytes identify it in the lists (LREM, the re-queue); the text is for reading it.
        var bytes = (byte[])item!;
        if (bytes.Length > options.MaxItemBytes)
        {
            // Refused before it is decoded or parsed: an item that large must not take the consumer down at every restart.
            var tooLarge = Envelope(Convert.ToHexString(SHA256.HashData(bytes))[..16], train, "error");
            tooLarge["error"] = "bad-request";
            tooLarge["message"] = $"the request is {bytes.Length} bytes, over this queue's limit of {options.MaxItemBytes} (--max-item); " +
                "put large data in a dataset file on the nodes' data roots";
            if (await Answer(db, processing, item, tooLarge)) log?.Invoke($"{source}: a request of {bytes.Length} bytes refused (over --max-item)");
            return;
        }
        var json = Encoding.UTF8.GetString(bytes);
        var ownId = RequestIdOf(json);
        var key = ownId ?? "sha256:" + Convert.ToHexString(SHA256.HashData(bytes));
        RedisKey attemptsKey = QueueOptions.Attempts(source!);
        var requestId = ownId ?? key[7..23];
        var taken = ((string)attemptsKey!, key);
        var stripe = _stripes[(uint)key.GetHashCode() % _stripes.Length];
        long attempt;
        int others; // copies of the same request this consumer handles right now: each counted one take, none has failed
        await stripe.WaitAsync(CancellationToken.None);
        try
        {
            attempt = await db.HashIncrementAsync(attemptsKey, key);
            others = _taken.AddOrUpdate(taken, 1, (_, n) => n + 1) - 1;
        }
        finally { stripe.Release(); }
        var dropped = false;
        try
        {
            await db.KeyExpireAsync(attemptsKey, options.ResultTtl);
            var failed = attempt - 1 - others;
            if (failed >= options.MaxAttempts)
            {
                await DeadLetter(db, source, processing, item, json, requestId, key, train, failed,
                    $"taken {failed} times without an answer (a consumer failed or timed out each time)");
                return;
            }
            var deadline = train ? options.TrainTimeout : options.PredictTimeout;
            // A request without an id of its own trains under one made for this delivery and kept with its attempts: a take
            // after a crash joins the same training, while the same text pushed again later trains again (a copy taken while
            // another is running here gets its own id, so each copy hears its own answer).
            var nodeId = ownId ?? (others > 0 ? $"{requestId}-{Guid.NewGuid():N}"[..33] : await DeliveryIdAsync(db, attemptsKey, key, requestId));
            bool? answered;
            try { answered = await Handle(db, processing, item, json, requestId, nodeId, train, deadline, bytes); }
            catch (ClusterUnavailableException) when (client.Stopping)
            {
                // This gateway is going (downed, or stopping): the request stays in the processing list, its take uncounted,
                // for the next run of this consumer (or another, once this name lapses) to put back.
                try { await db.ScriptEvaluateAsync(UncountScript, [attemptsKey], [key]); }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException) { }
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Kept with the attempts, so that a dead letter on a later take (maybe another consumer's) says why.
                try { await db.HashSetAsync(attemptsKey, key + "#err", $"{ex.GetType().Name}: {ex.Message}"); }
                catch (Exception ex2) when (ex2 is RedisException or RedisTimeoutException) { }
                throw;
            }
            if (answered is null) return; // another consumer put it back and answers it: its count and id stay for that one
            if (answered.Value)
            {
                await stripe.WaitAsync(CancellationToken.None);
                try
                {
                    // Another copy still running keeps its count and delivery id; the last one clears them.
                    if (_taken.TryGetValue(taken, out var running) && running > 1) await db.ScriptEvaluateAsync(UncountScript, [attemptsKey], [key]);
                    else await db.HashDeleteAsync(attemptsKey, AttemptFields(key));
                }
                finally
                {
                    Drop(taken);
                    dropped = true;
                    stripe.Release();
                }
                return;
            }
            if (failed + 1 >= options.MaxAttempts)
                await DeadLetter(db, source, processing, item, json, requestId, key, train, failed + 1,
                    $"no answer within its deadline of {deadline.TotalSeconds:0} s on each of {failed + 1} attempts");
            else
            {
                // To the far end of the queue: the requests behind it go first.
                await db.ScriptEvaluateAsync(PutBackScript, [processing, source], [item]);
                log?.Invoke($"request {requestId}: no answer within {deadline.TotalSeconds:0} s " +
                    $"(attempt {failed + 1} of {options.MaxAttempts}); re-queued");
            }
        }
        finally
        {
            if (!dropped)
            {
                await stripe.WaitAsync(CancellationToken.None);
                try { Drop(taken); }
                finally { stripe.Release(); }
            }
        }
    }

    private void Drop((string, string) taken)
    {
        if (_taken.AddOrUpdate(taken, 0, (_, n) => n - 1) <= 0) _taken.TryRemove(new KeyValuePair<(string, string), int>(taken, 0));
    }

    private static async Task<string> DeliveryIdAsync(IDatabase db, RedisKey attemptsKey, string key, string requestId)
    {
        await db.HashSetAsync(attemptsKey, key + "#id", $"{requestId}-{Guid.NewGuid():N}"[..33], When.NotExists);
        return (string)(await db.HashGetAsync(attemptsKey, key + "#id"))!;
    }

    private async Task DeadLetter(IDatabase db, RedisKey source, RedisKey processing, RedisValue item, string json, string requestId,
        string key, bool train, long attempts, string reason)
    {
        var bytes = (byte[])item!;
        RedisKey attemptsKey = QueueOptions.Attempts(source!);
        if (await db.HashGetAsync(attemptsKey, key + "#err") is { IsNull: false } lastError) reason += $"; last error: {lastError}";
        var letter = Envelope(requestId, train, "dead-letter");
        letter["reason"] = reason;
        letter["attempts"] = attempts;
        // The dead list shares the Redis of the journal: a letter keeps the request's first 64 KiB, and its size and hash.
        letter["request"] = json.Length <= DeadLetterRequestChars ? json : json[..DeadLetterRequestChars];
        if (json.Length > DeadLetterRequestChars)
        {
            letter["request_truncated"] = true;
            letter["request_bytes"] = bytes.Length;
            letter["request_sha256"] = key.StartsWith("sha256:", StringComparison.Ordinal) ? key[7..] : Convert.ToHexString(SHA256.HashData(bytes));
        }
        RedisKey dead = QueueOptions.DeadLetters(source!);
        var result = Envelope(requestId, train, "error");
        result["error"] = "dead-letter";
        result["message"] = $"request given up after {attempts} attempt(s): {reason}; kept in {dead}";
        if (!await Answer(db, processing, item, result)) return;
        await db.ListLeftPushAsync(dead, letter.ToJsonString());
        await db.ListTrimAsync(dead, 0, options.DeadLetterCap - 1);
        await db.HashDeleteAsync(attemptsKey, AttemptFields(key));
        log?.Invoke($"request {requestId}: dead-lettered to {dead}: {reason}");
    }

    private const int DeadLetterRequestChars = 64 * 1024;

    /// <summary>What a request's attempts keep: its count, its delivery id, the last error a take hit.</summary>
    private static RedisValue[] AttemptFields(string key) => [key, key + "#id", key + "#err"];

    /// <summary>True when answered (result published, request removed); false when no answer came before the deadline; null
    /// when another consumer put the request back meanwhile (that one answers it).</summary>
    private async Task<bool?> Handle(IDatabase db, RedisKey processing, RedisValue item, string json, string requestId, string nodeId,
        bool train, TimeSpan deadline, byte[] bytes)
    {
        JsonObject result;
        try
        {
            if (InvalidUtf8At(bytes) is { } at)
                throw new Commands.UsageException($"the request is not UTF-8 text (byte {at} is not); send JSON in UTF-8");
            var request = Commands.RequestFile.FromJson(json, train ? "train request" : "predict request");
            var via = client.Origin with { Via = "queue:" + (train ? QueueOptions.TrainQueue : QueueOptions.PredictQueue) };
            var reply = train
                // The training outlives this consumer (a stop, a redeploy, a crash): the request's deadline still bounds it, and
                // the take that follows joins it under the same id instead of starting it again.
                ? await client.TrainAsync(request.ModelId, json, deadline, requestId: nodeId, origin: via, outlivesCaller: true)
                : await client.PredictAsync(request.ModelId, json, deadline, requestId: nodeId, origin: via);
            // The node cancels a training at the request's deadline, often a moment before this gateway's own timer.
            // (A predict may carry the deadline of a training it waited for: its own deadline is the gateway's timeout.)
            if (reply is ModelFailed { Code: "timeout" } || train && reply is ModelFailed f && f.IsDeadlineCancel())
                throw new TimeoutException(((ModelFailed)reply).Message);
            // Taken again after a crash or a deadline while its version was being stored: the training is done.
            var before = train && reply is ModelFailed { Code: "already-trained" }
                && await client.DescribeAsync(request.ModelId, options.PredictTimeout) is ModelDescription { Trained: true } model ? model : null;
            result = Envelope(requestId, train, reply is ModelFailed && before is null ? "error" : "ok");
            result["label"] = request.Label;
            result["result"] = before is not null
                ? JsonSerializer.SerializeToNode(before, Commands.Output.JsonOptions)
                : JsonSerializer.SerializeToNode(reply, reply.GetType(), Commands.Output.JsonOptions);
            if (before is not null) result["note"] = "trained before under this request id; the result is the model's description";
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
        if (!await Answer(db, processing, item, result)) return null;
        Interlocked.Increment(ref _processed);
        log?.Invoke($"request {requestId} ({(train ? "train" : "predict")}): {result["status"]}");
        return true;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Where the first byte that is not UTF-8 sits; null for UTF-8 text.</summary>
    private static int? InvalidUtf8At(byte[] bytes)
    {
        try
        {
            StrictUtf8.GetCharCount(bytes);
            return null;
        }
        catch (DecoderFallbackException e) { return e.Index; }
    }

    /// <summary>Publishes the result and removes the request from the processing list, in one step, if this consumer still
    /// holds it; false when another consumer put it back meanwhile (that one answers it).</summary>
    private async Task<bool> Answer(IDatabase db, RedisKey processing, RedisValue item, JsonObject result)
    {
        var text = result.ToJsonString();
        RedisKey results = QueueOptions.ResultList(result["request_id"]!.GetValue<string>());
        var held = (long)await db.ScriptEvaluateAsync(AnswerScript, [processing, results],
            [item, text, (long)options.ResultTtl.TotalSeconds, QueueOptions.ResultsChannel]) == 1;
        if (!held) log?.Invoke($"request {result["request_id"]}: put back by another consumer meanwhile; its answer is left to that one");
        return held;
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
