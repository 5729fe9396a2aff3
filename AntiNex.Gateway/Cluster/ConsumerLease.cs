// A queue consumer's name is held by one running consumer at a time: a Redis key with a short expiry, renewed while it
// runs. Two consumers under one name would each put back the other's in-flight requests (answered twice); a consumer
// that died under a name nobody reuses (a replaced host) would leave its taken requests in its processing lists for
// good. So a second consumer under a held name is refused, and every consumer puts back the processing lists of names
// whose lease has expired.
using StackExchange.Redis;

namespace AntiNex.Gateway.Cluster;

internal sealed class ConsumerLease(IConnectionMultiplexer redis, string consumer, TimeSpan ttl, Action<string>? log)
{
    public static RedisKey KeyOf(string consumer) => $"{QueueOptions.ResultsChannel}.consumers.{consumer}";
    /// <summary>The names consumers run under: the names whose processing lists may need putting back.</summary>
    public static readonly RedisKey Names = $"{QueueOptions.ResultsChannel}.consumer-names";

    private static readonly string[] Queues = [QueueOptions.TrainQueue, QueueOptions.PredictQueue];

    private readonly string _token = Guid.NewGuid().ToString("N");
    private readonly RedisKey _key = KeyOf(consumer);

    // Renews or releases the lease only while this consumer holds it.
    private const string RenewScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
    private const string ReleaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
    // One step, so that the name cannot be taken again between the check and the moves: -1 while the name is held, else the
    // number of requests put back; the name leaves the set (its lists are empty now).
    private const string ReclaimScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
        local n = 0
        while redis.call('LMOVE', KEYS[3], KEYS[4], 'LEFT', 'RIGHT') do n = n + 1 end
        while redis.call('LMOVE', KEYS[5], KEYS[6], 'LEFT', 'RIGHT') do n = n + 1 end
        redis.call('SREM', KEYS[2], ARGV[1])
        return n
        """;

    /// <summary>Takes the name; a name still held (by a running consumer, or for up to the lease's life after a crash) is
    /// waited for that long.</summary>
    /// <exception cref="ConsumerNameHeldException">another running consumer holds the name.</exception>
    public async Task AcquireAsync(CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var until = DateTime.UtcNow + ttl;
        while (!await db.StringSetAsync(_key, _token, ttl, When.NotExists))
        {
            if (DateTime.UtcNow > until)
                throw new ConsumerNameHeldException($"consumer name '{consumer}' is held by a running consumer (Redis key {_key}, " +
                    "renewed while it runs); give this one another --consumer");
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        await db.SetAddAsync(Names, consumer);
    }

    /// <summary>Renews the lease every third of its life and puts back the lists of consumers whose lease expired, until
    /// <paramref name="ct"/>; then releases the lease, so others may put back what this one leaves. <paramref name="lost"/>
    /// runs when another consumer took the name while this one could not renew it (Redis away longer than the lease).</summary>
    public async Task KeepAsync(Action lost, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    if ((long)await db.ScriptEvaluateAsync(RenewScript, [_key], [_token, (long)ttl.TotalMilliseconds]) == 0
                        && !await db.StringSetAsync(_key, _token, ttl, When.NotExists))
                    {
                        log?.Invoke($"consumer '{consumer}': its name was taken by another consumer while this one could not renew it");
                        lost();
                        return;
                    }
                    await db.SetAddAsync(Names, consumer);
                    await ReclaimAsync(db);
                }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
                {
                    log?.Invoke($"consumer '{consumer}': redis error {ex.Message} while renewing its name; retrying");
                }
                await Task.Delay(ttl / 3, ct);
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            try { await db.ScriptEvaluateAsync(ReleaseScript, [_key], [_token]); }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException) { } // it expires on its own
        }
    }

    /// <summary>Puts back, oldest first, the requests of every other consumer whose lease is gone.</summary>
    private async Task ReclaimAsync(IDatabase db)
    {
        foreach (var member in await db.SetMembersAsync(Names))
        {
            var name = (string)member!;
            if (name == consumer) continue;
            RedisKey[] keys = [KeyOf(name), Names, .. Queues.SelectMany(q => new RedisKey[] { $"{q}.processing.{name}", q })];
            var n = (long)await db.ScriptEvaluateAsync(ReclaimScript, keys, [name]);
            if (n > 0) log?.Invoke($"put back {n} request(s) of consumer '{name}', which stopped without finishing them");
        }
    }
}

/// <summary>Another running queue consumer holds the name this one was given.</summary>
public sealed class ConsumerNameHeldException(string message) : InvalidOperationException(message);
