using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>
/// Akka.Persistence journal on Redis. Per persistence id: a sorted set of serialized <see cref="Persistent"/>
/// envelopes scored by sequence number, and a separate highest-sequence-number key that only ever grows.
/// Each <see cref="AtomicWrite"/> is one Lua script call, so it is all-or-nothing. Serialization problems reject
/// the single AtomicWrite; Redis problems (down, timeout, auth) fault the whole write task, which Akka reports to
/// the actor as a persist failure.
/// HOCON section: <c>akka.persistence.journal.redis</c>, keys in <see cref="RedisPersistenceConfig.Reference"/>.
/// </summary>
public sealed class RedisJournal : AsyncWriteJournal
{
    // Replaces whatever was at each sequence number (a retried write never duplicates an event) and raises the
    // highest sequence number, never lowers it.
    private const string WriteScript = """
        for i = 2, #ARGV, 2 do
          redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[i], ARGV[i])
          redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
        end
        local current = tonumber(redis.call('GET', KEYS[2]) or '0')
        if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[2], ARGV[1]) end
        return 1
        """;

    private readonly RedisPersistenceSettings _settings;
    private readonly RedisKeys _keys;
    private readonly Akka.Serialization.Serializer _persistentSerializer;
    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly ExtendedActorSystem _system;

    public RedisJournal(Config config)
    {
        _settings = RedisPersistenceSettings.FromConfig(config.WithFallback(RedisPersistenceConfig.DefaultConfig().GetConfig(RedisPersistenceConfig.JournalPluginId)));
        _keys = new RedisKeys(_settings.KeyPrefix);
        _system = (ExtendedActorSystem)Context.System;
        _persistentSerializer = _system.Serialization.FindSerializerForType(typeof(Persistent));
        _connection = RedisConnections.Get(Context.System).GetAsync(_settings);
    }

    public override Task<PersistenceHealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken) =>
        RedisHealth.CheckAsync(_connection, _settings.Database, cancellationToken);

    private async Task<IDatabase> DatabaseAsync() => (await _connection.ConfigureAwait(false)).GetDatabase(_settings.Database);

    protected override async Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        if (writes.Count == 0) return null!; // e.g. DeferAsync with nothing persisted before it
        var db = await DatabaseAsync().ConfigureAwait(false);
        var results = new Exception?[writes.Count];
        var pending = new List<Task>(writes.Count);
        var timestamp = DateTime.UtcNow.Ticks;
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            RedisValue[] args;
            try
            {
                args = ScriptArguments(write, timestamp);
            }
            catch (Exception e)
            {
                // Only this AtomicWrite is rejected; the actor keeps running (OnPersistRejected).
                results[i] = e;
                continue;
            }
            // Commands on one multiplexer go out in order, so writes of one persistence id stay ordered.
            pending.Add(db.ScriptEvaluateAsync(WriteScript,
                [_keys.Events(write.PersistenceId), _keys.HighestSequenceNr(write.PersistenceId)], args));
        }
        // Any Redis failure faults the whole task: a persist failure, never a rejection.
        await Task.WhenAll(pending).ConfigureAwait(false);
        return results.Any(e => e is not null) ? results.ToImmutableList() : null!;
    }

    private RedisValue[] ScriptArguments(AtomicWrite write, long timestamp)
    {
        var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
        var args = new RedisValue[1 + events.Count * 2];
        args[0] = write.HighestSequenceNr;
        for (var j = 0; j < events.Count; j++)
        {
            var persistent = events[j].WithTimestamp(timestamp);
            args[1 + j * 2] = persistent.SequenceNr;
            args[2 + j * 2] = Serialize(persistent);
        }
        return args;
    }

    private byte[] Serialize(IPersistentRepresentation persistent) =>
        Akka.Serialization.Serialization.WithTransport(_system, () => _persistentSerializer.ToBinary(persistent));

    public override async Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr,
        long toSequenceNr, long max, Action<IPersistentRepresentation> recoveryCallback)
    {
        if (max <= 0 || fromSequenceNr > toSequenceNr) return;
        var db = await DatabaseAsync().ConfigureAwait(false);
        var key = _keys.Events(persistenceId);
        var remaining = max;
        var from = Math.Max(fromSequenceNr, 0);
        // Paged so that a long journal never arrives as one huge reply.
        while (remaining > 0 && from <= toSequenceNr)
        {
            var take = (int)Math.Min(_settings.ReplayPageSize, remaining);
            var page = await db.SortedSetRangeByScoreAsync(key, from, toSequenceNr, Exclude.None, Order.Ascending, 0, take).ConfigureAwait(false);
            foreach (var bytes in page)
            {
                var persistent = (IPersistentRepresentation)_persistentSerializer.FromBinary((byte[])bytes!, typeof(Persistent));
                recoveryCallback(persistent);
                from = persistent.SequenceNr + 1;
            }
            remaining -= page.Length;
            if (page.Length < take) break;
        }
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync().ConfigureAwait(false);
        var value = await db.StringGetAsync(_keys.HighestSequenceNr(persistenceId)).ConfigureAwait(false);
        return value.IsNull ? 0 : (long)value;
    }

    protected override async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        // The highest-sequence-number key is left alone: a recovered actor must continue after it.
        var db = await DatabaseAsync().ConfigureAwait(false);
        await db.SortedSetRemoveRangeByScoreAsync(_keys.Events(persistenceId), double.NegativeInfinity, toSequenceNr).ConfigureAwait(false);
    }
}
