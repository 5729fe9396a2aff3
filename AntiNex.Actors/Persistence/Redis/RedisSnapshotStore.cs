using System.Globalization;
using System.IO.Hashing;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using AntiNex.Persistence.Signing;
using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>
/// Akka.Persistence snapshot store on Redis, built for MB-sized snapshots. Per persistence id: an index (sorted
/// set of sequence numbers), a metadata hash (sequence number -> <see cref="SnapshotRecord"/>) and the payload in
/// chunk keys. Loading the latest matching snapshot reads the small metadata and then ONE payload. A save writes
/// its chunks under a fresh generation first and then switches the metadata atomically, so an overwrite at the
/// same sequence number never exposes a half-written snapshot. Payloads carry an XxHash3 checksum checked on load.
/// With a signing key, every snapshot also carries an HMAC-SHA256 signature; a load refuses one that does not verify
/// (logged, remembered in <see cref="SnapshotRefusals"/>) and offers the next older snapshot instead; so does a load
/// that finds a piece of a snapshot missing (logged as a warning).
/// HOCON section: <c>akka.persistence.snapshot-store.redis</c>, keys in <see cref="RedisPersistenceConfig.Reference"/>.
/// </summary>
public sealed class RedisSnapshotStore : SnapshotStore
{
    // Commits a saved snapshot unless a newer save at the same sequence number already won. KEYS[3..] are the new
    // pieces, written with a safety TTL so that a save interrupted before this commit leaves nothing behind for long;
    // the commit checks they are all there and makes them permanent.
    // Returns {1, previous record or false} when committed, {0, own record} when superseded.
    private const string CommitScript = """
        for i = 3, #KEYS do
          if redis.call('EXISTS', KEYS[i]) == 0 then return redis.error_reply('snapshot piece missing at commit: ' .. KEYS[i]) end
        end
        local old = redis.call('HGET', KEYS[2], ARGV[1])
        if old and string.sub(old, 1, 20) > string.sub(ARGV[2], 1, 20) then return {0, ARGV[2]} end
        for i = 3, #KEYS do redis.call('PERSIST', KEYS[i]) end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1])
        return {1, old}
        """;

    /// <summary>Lifetime of pieces not yet committed (a save takes seconds; an interrupted one is cleaned by Redis).</summary>
    private static readonly TimeSpan PendingPieceTtl = TimeSpan.FromHours(1);

    // Deletes one snapshot unless its stored timestamp is newer than ARGV[2] ('' = any timestamp), or, with ARGV[3] =
    // 'exact', other than ARGV[2]. Returns the record.
    private const string DeleteScript = """
        local old = redis.call('HGET', KEYS[2], ARGV[1])
        if not old then return false end
        local at = string.sub(old, 1, 20)
        if ARGV[2] ~= '' and (at > ARGV[2] or (ARGV[3] == 'exact' and at ~= ARGV[2])) then return false end
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[1], ARGV[1])
        return old
        """;

    // Newest snapshot within [min,max] seqNr and [minTs,maxTs] (padded ticks compare as strings), decided from the
    // small metadata alone in one round trip. Returns {seqNr, record} or nil.
    private const string FindLatestScript = """
        local seqNrs = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2])
        for _, seqNr in ipairs(seqNrs) do
          local record = redis.call('HGET', KEYS[2], seqNr)
          if record then
            local ts = string.sub(record, 1, 20)
            if ts <= ARGV[3] and ts >= ARGV[4] then return {seqNr, record} end
          end
        end
        return false
        """;

    private readonly RedisPersistenceSettings _settings;
    private readonly RedisKeys _keys;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly ExtendedActorSystem _system;
    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly ILoggingAdapter _log;
    private readonly SnapshotSigner? _signer;
    private readonly SnapshotRefusals _refusals;

    public RedisSnapshotStore(Config config)
    {
        _log = Context.GetLogger();
        _settings = RedisPersistenceSettings.FromConfig(config.WithFallback(RedisPersistenceConfig.DefaultConfig()
            .GetConfig(RedisPersistenceConfig.SnapshotPluginId)));
        _keys = new RedisKeys(_settings.KeyPrefix);
        _system = (ExtendedActorSystem)Context.System;
        _serialization = _system.Serialization;
        _refusals = SnapshotRefusals.Get(_system);
        _signer = SignerFrom(_settings);
        if (_signer is null)
            _log.Warning("Redis snapshot store: snapshots are NOT signed (no signing-key-file); an altered snapshot would be loaded");
        else
            _log.Info("Redis snapshot store: snapshots are signed and verified with key {0}{1}", _signer.KeyId,
                _settings.AllowUnsigned ? "; unsigned snapshots are still accepted (allow-unsigned = on)" : "");
        _connection = RedisConnections.Get(_system).GetAsync(_settings);
    }

    private static SnapshotSigner? SignerFrom(RedisPersistenceSettings settings)
    {
        if (settings.SigningKeyFile.Length == 0) return null;
        var current = SigningKey.FromFile(settings.SigningKeyFile, "signing-key-file");
        var previous = settings.PreviousSigningKeyFiles.Select(f => SigningKey.FromFile(f, "previous-signing-key-files"));
        return new SnapshotSigner(current, previous.ToList());
    }

    public override Task<PersistenceHealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken) =>
        RedisHealth.CheckAsync(_connection, _settings.Database, cancellationToken);

    private async Task<IDatabase> DatabaseAsync() => (await _connection.ConfigureAwait(false)).GetDatabase(_settings.Database);

    protected override async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var serializer = _serialization.FindSerializerFor(snapshot);
        var payload = Akka.Serialization.Serialization.WithTransport(_system, () => serializer.ToBinary(snapshot));
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, snapshot);
        var timestamp = metadata.Timestamp == DateTime.MinValue ? DateTime.UtcNow : metadata.Timestamp;
        var signature = _signer?.Sign(new SnapshotIdentity(metadata.PersistenceId, metadata.SequenceNr, timestamp.Ticks,
            serializer.Identifier, manifest), payload);
        var record = new SnapshotRecord(timestamp.Ticks, Guid.NewGuid().ToString("N"), _settings.ChunkSize,
            payload.Length, XxHash3.HashToUInt64(payload), serializer.Identifier, manifest, signature);

        var db = await DatabaseAsync().ConfigureAwait(false);
        var pid = metadata.PersistenceId;
        RedisResult[] reply;
        var commitSent = false;
        try
        {
            await ForEachChunkAsync(record.ChunkCount, i =>
            {
                var offset = i * record.ChunkSize;
                var piece = payload.AsMemory(offset, Math.Min(record.ChunkSize, payload.Length - offset));
                return db.StringSetAsync(_keys.SnapshotChunk(pid, metadata.SequenceNr, record.Generation, i), piece, PendingPieceTtl);
            }).ConfigureAwait(false);
            // Akka has already reported a cancelled save as failed: it must not be committed after all.
            cancellationToken.ThrowIfCancellationRequested();
            RedisKey[] keys = [_keys.SnapshotIndex(pid), _keys.SnapshotMeta(pid),
                ..Enumerable.Range(0, record.ChunkCount).Select(i => _keys.SnapshotChunk(pid, metadata.SequenceNr, record.Generation, i))];
            commitSent = true;
            reply = (RedisResult[])(await db.ScriptEvaluateAsync(CommitScript, keys,
                [metadata.SequenceNr, record.Encode()]).ConfigureAwait(false))!;
        }
        catch when (!commitSent)
        {
            // Never committed: drop our pieces, best effort (Redis may well be down; their TTL is the fallback).
            TryDeleteChunksInBackground(db, pid, metadata.SequenceNr, record);
            throw;
        }
        // A commit that fails once handed to Redis (e.g. its reply timed out) may have run, so the catch above leaves its
        // pieces alone: had it not run, their TTL removes them. Here it is committed or superseded, the save itself is done;
        // cleaning up pieces must not fail it.
        var committed = (int)reply[0] == 1;
        var previous = reply[1].IsNull ? null : SnapshotRecord.Decode((string)reply[1]!);
        if (!committed) // a newer save at this seqNr won: drop our pieces
            await TryDeleteChunksAsync(db, pid, metadata.SequenceNr, record).ConfigureAwait(false);
        else if (previous is not null && previous.Generation != record.Generation) // overwrite: drop the old pieces
            await TryDeleteChunksAsync(db, pid, metadata.SequenceNr, previous).ConfigureAwait(false);
    }

    private void TryDeleteChunksInBackground(IDatabase db, string pid, long sequenceNr, SnapshotRecord record) =>
        _ = TryDeleteChunksAsync(db, pid, sequenceNr, record);

    private async Task TryDeleteChunksAsync(IDatabase db, string pid, long sequenceNr, SnapshotRecord record)
    {
        try { await DeleteChunksAsync(db, pid, sequenceNr, record).ConfigureAwait(false); }
        catch (Exception e)
        {
            // Left-over pieces of a committed overwrite are unreachable garbage, not corruption.
            _log.Warning("Could not delete unused pieces of snapshot {0}#{1} (generation {2}): {3}", pid, sequenceNr, record.Generation, e.Message);
        }
    }

    protected override async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria,
        CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync().ConfigureAwait(false);
        (long SequenceNr, string Generation)? incomplete = null;
        while (true)
        {
            var candidate = await FindLatestAsync(db, persistenceId, criteria).ConfigureAwait(false);
            if (candidate is null) return null;
            var (sequenceNr, record) = candidate.Value;
            var payload = await ReadPayloadAsync(db, persistenceId, sequenceNr, record).ConfigureAwait(false);
            if (payload is null)
            {
                // An overwrite or delete switches the metadata before it drops the old pieces, so a second look finds the
                // new state. The same record again has lost a piece for good: skip it like a refused one.
                if (incomplete != (sequenceNr, record.Generation))
                {
                    incomplete = (sequenceNr, record.Generation);
                    continue;
                }
                _log.Warning("Snapshot {0}#{1} is incomplete: a payload chunk is missing. Falling back to an older snapshot of {0}, " +
                    "if one is stored.", persistenceId, sequenceNr);
                criteria = OlderThan(sequenceNr, criteria);
                continue;
            }
            var refusal = Verify(persistenceId, sequenceNr, record, payload);
            if (refusal is not null)
            {
                // Never offered: the actor recovers from the next older snapshot (or none) and its journal.
                _log.Error("Snapshot {0}#{1} REFUSED: {2}. Falling back to an older snapshot of {0}, if one is stored.",
                    persistenceId, sequenceNr, refusal);
                _refusals.Record(new SnapshotRefusal(persistenceId, sequenceNr, refusal, DateTimeOffset.UtcNow));
                criteria = OlderThan(sequenceNr, criteria);
                continue;
            }
            if (XxHash3.HashToUInt64(payload) != record.Checksum)
                throw new SnapshotCorruptedException($"Snapshot {persistenceId}#{sequenceNr}: checksum mismatch, the stored payload is corrupted.");
            var snapshot = _serialization.Deserialize(payload, record.SerializerId, record.Manifest);
            return new SelectedSnapshot(new SnapshotMetadata(persistenceId, sequenceNr, new DateTime(record.TimestampTicks, DateTimeKind.Utc)),
                snapshot);
        }
    }

    /// <summary>The same criteria, limited to snapshots older than <paramref name="sequenceNr"/>.</summary>
    private static SnapshotSelectionCriteria OlderThan(long sequenceNr, SnapshotSelectionCriteria criteria) =>
        new(sequenceNr - 1, criteria.MaxTimeStamp, criteria.MinSequenceNr, criteria.MinTimestamp);

    /// <summary>Null when the snapshot may be loaded; else why it is refused. Without a key nothing is verified.</summary>
    private string? Verify(string persistenceId, long sequenceNr, SnapshotRecord record, byte[] payload)
    {
        if (_signer is null) return null;
        if (record.Signature is null && _settings.AllowUnsigned)
        {
            _log.Warning("Snapshot {0}#{1} is unsigned and loaded only because allow-unsigned is on; it is signed at its next save",
                persistenceId, sequenceNr);
            return null;
        }
        var identity = new SnapshotIdentity(persistenceId, sequenceNr, record.TimestampTicks, record.SerializerId, record.Manifest);
        var verification = _signer.Verify(identity, payload, record.Signature);
        return verification.Ok ? null : verification.Reason;
    }

    /// <summary>Newest snapshot within the criteria, decided from metadata only (no payload is read).</summary>
    private async Task<(long SequenceNr, SnapshotRecord Record)?> FindLatestAsync(IDatabase db, string pid, SnapshotSelectionCriteria criteria)
    {
        if (criteria.MaxSequenceNr < criteria.MinSequenceNr) return null;
        var found = await db.ScriptEvaluateAsync(FindLatestScript, [_keys.SnapshotIndex(pid), _keys.SnapshotMeta(pid)],
            [criteria.MaxSequenceNr, criteria.MinSequenceNr, SnapshotRecord.FormatTicks(criteria.MaxTimeStamp.Ticks),
             SnapshotRecord.FormatTicks((criteria.MinTimestamp ?? DateTime.MinValue).Ticks)]).ConfigureAwait(false);
        if (found.IsNull) return null;
        var pair = (RedisResult[])found!;
        return ((long)pair[0], SnapshotRecord.Decode((string)pair[1]!));
    }

    private async Task<List<(long SequenceNr, SnapshotRecord Record)>> CandidatesAsync(IDatabase db, string pid,
        SnapshotSelectionCriteria criteria, Order order)
    {
        var result = new List<(long, SnapshotRecord)>();
        if (criteria.MaxSequenceNr < criteria.MinSequenceNr) return result;
        var seqNrs = await db.SortedSetRangeByScoreAsync(_keys.SnapshotIndex(pid), criteria.MinSequenceNr, criteria.MaxSequenceNr, order: order)
            .ConfigureAwait(false);
        if (seqNrs.Length == 0) return result;
        var records = await db.HashGetAsync(_keys.SnapshotMeta(pid), seqNrs).ConfigureAwait(false);
        var min = criteria.MinTimestamp ?? DateTime.MinValue;
        for (var i = 0; i < seqNrs.Length; i++)
        {
            if (records[i].IsNull) continue;
            var record = SnapshotRecord.Decode(records[i]!);
            if (record.TimestampTicks > criteria.MaxTimeStamp.Ticks || record.TimestampTicks < min.Ticks) continue;
            result.Add(((long)seqNrs[i], record));
        }
        return result;
    }

    private async Task<byte[]?> ReadPayloadAsync(IDatabase db, string pid, long sequenceNr, SnapshotRecord record)
    {
        var payload = GC.AllocateUninitializedArray<byte>(checked((int)record.Length));
        var complete = true;
        await ForEachChunkAsync(record.ChunkCount, async i =>
        {
            using var lease = await db.StringGetLeaseAsync(_keys.SnapshotChunk(pid, sequenceNr, record.Generation, i)).ConfigureAwait(false);
            var offset = i * record.ChunkSize;
            var expected = (int)Math.Min(record.ChunkSize, record.Length - offset);
            if (lease is null || lease.Length != expected) { complete = false; return; }
            lease.Span.CopyTo(payload.AsSpan(offset));
        }).ConfigureAwait(false);
        return complete ? payload : null;
    }

    protected override async Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync().ConfigureAwait(false);
        // DateTime.MinValue means "whatever its timestamp"; otherwise only the snapshot of that very timestamp goes. The
        // base class deletes a failed save's metadata this way: an earlier snapshot stored at the same seqNr must stay.
        var timestamp = metadata.Timestamp == DateTime.MinValue ? "" : SnapshotRecord.FormatTicks(metadata.Timestamp.Ticks);
        await DeleteOneAsync(db, metadata.PersistenceId, metadata.SequenceNr, timestamp, exact: true).ConfigureAwait(false);
    }

    protected override async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync().ConfigureAwait(false);
        var maxTimestamp = SnapshotRecord.FormatTicks(criteria.MaxTimeStamp.Ticks);
        foreach (var (sequenceNr, _) in await CandidatesAsync(db, persistenceId, criteria, Order.Ascending).ConfigureAwait(false))
            await DeleteOneAsync(db, persistenceId, sequenceNr, maxTimestamp).ConfigureAwait(false);
    }

    private async Task DeleteOneAsync(IDatabase db, string pid, long sequenceNr, string maxTimestamp, bool exact = false)
    {
        var deleted = await db.ScriptEvaluateAsync(DeleteScript, [_keys.SnapshotIndex(pid), _keys.SnapshotMeta(pid)],
            [sequenceNr, maxTimestamp, exact ? "exact" : ""]).ConfigureAwait(false);
        if (!deleted.IsNull) // the snapshot is gone once its metadata is; its pieces are garbage from here on
            await TryDeleteChunksAsync(db, pid, sequenceNr, SnapshotRecord.Decode((string)deleted!)).ConfigureAwait(false);
    }

    private Task DeleteChunksAsync(IDatabase db, string pid, long sequenceNr, SnapshotRecord record)
    {
        if (record.ChunkCount == 0) return Task.CompletedTask;
        var keys = Enumerable.Range(0, record.ChunkCount).Select(i => _keys.SnapshotChunk(pid, sequenceNr, record.Generation, i)).ToArray();
        return db.KeyDeleteAsync(keys);
    }

    /// <summary>Runs <paramref name="action"/> for every chunk index with at most parallel-chunks in flight.</summary>
    private async Task ForEachChunkAsync(int count, Func<int, Task> action)
    {
        var inFlight = new List<Task>(_settings.ParallelChunks);
        for (var i = 0; i < count; i++)
        {
            if (inFlight.Count == _settings.ParallelChunks)
            {
                var done = await Task.WhenAny(inFlight).ConfigureAwait(false);
                await done.ConfigureAwait(false);
                inFlight.Remove(done);
            }
            inFlight.Add(action(i));
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }
}

/// <summary>Thrown when a stored snapshot fails its checksum or its metadata is malformed; recovery then fails loudly.</summary>
public sealed class SnapshotCorruptedException(string message) : Exception(message);

/// <summary>
/// Metadata of one stored snapshot, kept as one small string: "ticks|generation|chunkSize|length|checksum|serializerId|manifest",
/// or, signed, "ticks|generation|chunkSize|length|checksum|serializerId|hs256:keyId:mac|manifest".
/// Ticks are zero-padded to 20 digits so Lua can compare timestamps as strings (Lua numbers lose precision above 2^53).
/// </summary>
internal sealed record SnapshotRecord(long TimestampTicks, string Generation, int ChunkSize, long Length, ulong Checksum, int SerializerId,
    string Manifest, string? Signature = null)
{
    public int ChunkCount => Length == 0 ? 0 : (int)((Length + ChunkSize - 1) / ChunkSize);

    public static string FormatTicks(long ticks) => ticks.ToString("D20", CultureInfo.InvariantCulture);

    private const string SignaturePrefix = Signing.SnapshotSigner.Scheme + ":";

    public string Encode()
    {
        string[] head = [FormatTicks(TimestampTicks), Generation,
            ChunkSize.ToString(CultureInfo.InvariantCulture), Length.ToString(CultureInfo.InvariantCulture),
            Checksum.ToString("x16", CultureInfo.InvariantCulture), SerializerId.ToString(CultureInfo.InvariantCulture)];
        return Signature is null ? string.Join('|', [.. head, Manifest]) : string.Join('|', [.. head, Signature, Manifest]);
    }

    public static SnapshotRecord Decode(string value)
    {
        var parts = value.Split('|', 7);
        if (parts.Length != 7) throw new SnapshotCorruptedException($"Snapshot metadata is malformed: \"{value}\".");
        // Unsigned records (older ones, or a store without a key) end with the manifest; signed ones put the signature first.
        string? signature = null;
        var manifest = parts[6];
        if (manifest.StartsWith(SignaturePrefix, StringComparison.Ordinal) && manifest.IndexOf('|') is var bar and > 0)
        {
            signature = manifest[..bar];
            manifest = manifest[(bar + 1)..];
        }
        return new SnapshotRecord(long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1],
            int.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture),
            ulong.Parse(parts[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            int.Parse(parts[5], CultureInfo.InvariantCulture), manifest, signature);
    }
}
