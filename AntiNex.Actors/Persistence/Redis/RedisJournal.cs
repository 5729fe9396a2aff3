using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Journal;
using AntiNex.Persistence.Signing;
using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>
/// Akka.Persistence journal on Redis. Per persistence id: a sorted set of serialized <see cref="Persistent"/>
/// envelopes scored by sequence number, and a separate highest-sequence-number key that only ever grows.
/// Each <see cref="AtomicWrite"/> is one Lua script call, so it is all-or-nothing. Serialization problems reject
/// the single AtomicWrite; Redis problems (down, timeout, auth) fault the whole write task, which Akka reports to
/// the actor as a persist failure.
/// With a signing key, every event is stored with an HMAC-SHA256 signature (<see cref="JournalRecord"/>) and verified
/// before it is deserialized on replay; an event that fails fails the recovery of its persistence id
/// (<see cref="EventRefusedException"/>), since the events after it cannot be applied without it.
/// HOCON section: <c>akka.persistence.journal.redis</c>, keys in <see cref="RedisPersistenceConfig.Reference"/>.
/// </summary>
public sealed class RedisJournal : AsyncWriteJournal
{
    // One call per persistence id and WriteMessages batch. A single writer continues after the highest sequence number
    // it recovered; a write at or below the stored highest means a second live writer of the same persistence id (e.g.
    // two clusters on one Redis): it is refused as a whole, so nothing is overwritten and the writer's persist fails.
    // ARGV: highest of the batch, first sequence number, then (seqNr, bytes) pairs.
    private const string WriteScript = """
        local current = tonumber(redis.call('GET', KEYS[2]) or '0')
        if tonumber(ARGV[2]) <= current then
          return redis.error_reply('SEQUENCE-CONFLICT ' .. current)
        end
        for i = 3, #ARGV, 2 do
          redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
        end
        redis.call('SET', KEYS[2], ARGV[1])
        return 1
        """;

    private readonly RedisPersistenceSettings _settings;
    private readonly RedisKeys _keys;
    private readonly Akka.Serialization.Serializer _persistentSerializer;
    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly ExtendedActorSystem _system;
    private readonly ILoggingAdapter _log;
    private readonly EventSigner? _signer;
    /// <summary>Persistence ids whose unsigned events were accepted (allow-unsigned): warned once each.</summary>
    private readonly ConcurrentDictionary<string, bool> _warnedUnsigned = new(StringComparer.Ordinal);

    public RedisJournal(Config config)
    {
        _log = Context.GetLogger();
        _settings = RedisPersistenceSettings.FromConfig(config.WithFallback(RedisPersistenceConfig.DefaultConfig()
            .GetConfig(RedisPersistenceConfig.JournalPluginId)));
        _keys = new RedisKeys(_settings.KeyPrefix);
        _system = (ExtendedActorSystem)Context.System;
        _persistentSerializer = _system.Serialization.FindSerializerForType(typeof(Persistent));
        _signer = SignerFrom(_settings);
        if (_signer is null)
            _log.Warning("Redis journal: events are NOT signed (no signing-key-file); an event added in Redis would be replayed");
        else
            _log.Info("Redis journal: events are signed and verified with key {0}{1}", _signer.KeyId,
                _settings.AllowUnsigned ? "; unsigned events are still accepted (allow-unsigned = on)" : "");
        _connection = RedisConnections.Get(Context.System).GetAsync(_settings);
    }

    private static EventSigner? SignerFrom(RedisPersistenceSettings settings)
    {
        if (settings.SigningKeyFile.Length == 0) return null;
        var (current, previous) = SigningKey.Ring(settings.SigningKeyFile, settings.PreviousSigningKeyFiles, "signing-key-file",
            "previous-signing-key-files");
        return new EventSigner(current, previous);
    }

    public override Task<PersistenceHealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken) =>
        RedisHealth.CheckAsync(_connection, _settings.Database, cancellationToken);

    private async Task<IDatabase> DatabaseAsync() => (await _connection.ConfigureAwait(false)).GetDatabase(_settings.Database);

    protected override async Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages,
        CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        if (writes.Count == 0) return null!; // e.g. DeferAsync with nothing persisted before it
        var db = await DatabaseAsync().ConfigureAwait(false);
        var results = new Exception?[writes.Count];
        var timestamp = DateTime.UtcNow.Ticks;
        var byId = new Dictionary<string, List<RedisValue>>();
        var highest = new Dictionary<string, long>();
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            List<RedisValue> pairs;
            try
            {
                pairs = EventPairs(write, timestamp);
            }
            catch (Exception e)
            {
                // Only this AtomicWrite is rejected; the actor keeps running (OnPersistRejected).
                results[i] = e;
                continue;
            }
            if (!byId.TryGetValue(write.PersistenceId, out var all)) byId[write.PersistenceId] = all = [];
            all.AddRange(pairs);
            highest[write.PersistenceId] = write.HighestSequenceNr;
        }
        // Commands on one multiplexer go out in order; each persistence id's events go in one all-or-nothing script.
        var pending = byId.Select(entry => WriteAsync(db, entry.Key, highest[entry.Key], entry.Value)).ToList();
        // Any Redis failure or a sequence conflict faults the whole task: a persist failure, never a rejection.
        await Task.WhenAll(pending).ConfigureAwait(false);
        return results.Any(e => e is not null) ? results.ToImmutableList() : null!;
    }

    private async Task WriteAsync(IDatabase db, string persistenceId, long highest, List<RedisValue> pairs)
    {
        var args = new RedisValue[2 + pairs.Count];
        args[0] = highest;
        args[1] = pairs[0];
        pairs.CopyTo(args, 2);
        try
        {
            await db.ScriptEvaluateAsync(WriteScript, [_keys.Events(persistenceId), _keys.HighestSequenceNr(persistenceId)], args)
                .ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.Contains("SEQUENCE-CONFLICT", StringComparison.Ordinal))
        {
            var stored = long.TryParse(e.Message[(e.Message.LastIndexOf(' ') + 1)..], out var h) ? h : -1;
            throw new JournalSequenceConflictException(persistenceId, (long)pairs[0], stored);
        }
    }

    private List<RedisValue> EventPairs(AtomicWrite write, long timestamp)
    {
        var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
        var pairs = new List<RedisValue>(events.Count * 2);
        foreach (var e in events)
        {
            var persistent = e.WithTimestamp(timestamp);
            pairs.Add(persistent.SequenceNr);
            pairs.Add(Serialize(persistent));
        }
        return pairs;
    }

    private byte[] Serialize(IPersistentRepresentation persistent)
    {
        var envelope = Akka.Serialization.Serialization.WithTransport(_system, () => _persistentSerializer.ToBinary(persistent));
        if (_signer is null) return envelope;
        var signature = _signer.Sign(Identity(persistent.PersistenceId, persistent.SequenceNr), envelope);
        return JournalRecord.Signed(envelope, signature);
    }

    // The envelope holds the event's own serializer id, manifest and bytes, so signing it covers them; its own serializer
    // is bound too, as the one that reads it back.
    private EventIdentity Identity(string persistenceId, long sequenceNr) => new(persistenceId, sequenceNr, _persistentSerializer.Identifier, "");

    /// <summary>Verified (with a key) before anything is deserialized; a refusal fails the replay, naming the event and why.</summary>
    private IPersistentRepresentation Decode(string persistenceId, long sequenceNr, byte[] stored)
    {
        if (JournalRecord.Read(stored, out var malformed) is not { } record)
            throw new EventRefusedException(persistenceId, sequenceNr, malformed!, RefusedRemedy);
        if (_signer is not null)
        {
            if (record.Signature is null)
            {
                if (!_settings.AllowUnsigned)
                    throw new EventRefusedException(persistenceId, sequenceNr, "it carries no signature (stored unsigned)",
                        "right after an upgrade from a version that did not sign events, sign the stored journal once with every " +
                        "node stopped (JournalSignatures; on a node: antinex-node sign-journal); an unsigned event that appears " +
                        "later was added in Redis: " + RefusedRemedy);
                if (_warnedUnsigned.TryAdd(persistenceId, true))
                {
                    if (_warnedUnsigned.Count > 10_000) _warnedUnsigned.Clear(); // bounded: at worst a persistence id is warned again
                    _log.Warning("Journal of {0} holds unsigned events (the first at #{1}); replayed only because allow-unsigned is on",
                        persistenceId, sequenceNr);
                }
            }
            else
            {
                var verification = _signer.Verify(Identity(persistenceId, sequenceNr), record.Envelope, record.Signature);
                if (!verification.Ok) throw new EventRefusedException(persistenceId, sequenceNr, verification.Reason, RefusedRemedy);
            }
        }
        var persistent = (IPersistentRepresentation)_persistentSerializer.FromBinary(record.Envelope, typeof(Persistent));
        if (persistent.PersistenceId != persistenceId || persistent.SequenceNr != sequenceNr)
            throw new EventRefusedException(persistenceId, sequenceNr,
                $"it holds event {persistent.PersistenceId}#{persistent.SequenceNr}, not the one stored here", RefusedRemedy);
        return persistent;
    }

    private const string RefusedRemedy = "it cannot recover until that event is deleted from the journal or its stored form restored";

    public override async Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr,
        long toSequenceNr, long max, Action<IPersistentRepresentation> recoveryCallback)
    {
        if (max <= 0 || fromSequenceNr > toSequenceNr) return;
        var db = await DatabaseAsync().ConfigureAwait(false);
        var key = _keys.Events(persistenceId);
        var remaining = max;
        var from = Math.Max(fromSequenceNr, 0);
        var last = from - 1;
        var offset = 0;
        // Paged so that a long journal never arrives as one huge reply; by offset within one score range, so that two
        // members stored at one score are both seen (and refused) and no score makes the paging stand still.
        while (remaining > 0)
        {
            var take = (int)Math.Min(_settings.ReplayPageSize, remaining);
            var page = await db.SortedSetRangeByScoreWithScoresAsync(key, from, toSequenceNr, Exclude.None, Order.Ascending, offset, take)
                .ConfigureAwait(false);
            foreach (var entry in page)
            {
                // The score is where the event is stored: a signature binds it, so an event moved to another one is refused;
                // a copy stored beside it (the same event, or its signature spelled otherwise) must not replay twice.
                if (JournalScores.Refusal(entry.Score, last) is { } refusal)
                    throw new EventRefusedException(persistenceId, JournalScores.Nearest(entry.Score), refusal, RefusedRemedy);
                var sequenceNr = (long)entry.Score;
                recoveryCallback(Decode(persistenceId, sequenceNr, (byte[])entry.Element!));
                last = sequenceNr;
            }
            remaining -= page.Length;
            offset += page.Length;
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
