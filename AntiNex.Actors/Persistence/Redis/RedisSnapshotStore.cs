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

    // Deletes one snapshot, its pieces (KEYS[3..]) with it, unless its stored timestamp is newer than ARGV[2] ('' = any
    // timestamp), or, with ARGV[3] = 'exact', other than ARGV[2]. The pieces were named from the record read before:
    // when the stored record is another generation (overwritten meanwhile) nothing is deleted and 'moved' is returned,
    // and the caller reads again. One script, so a crash or a lost connection never leaves pieces nothing points to.
    private const string DeleteScript = """
        local old = redis.call('HGET', KEYS[2], ARGV[1])
        if not old then return false end
        local at = string.sub(old, 1, 20)
        if ARGV[2] ~= '' and (at > ARGV[2] or (ARGV[3] == 'exact' and at ~= ARGV[2])) then return false end
        if (string.match(old, '^[^|]*|([^|]*)|') or '') ~= ARGV[4] then return 'moved' end
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[1], ARGV[1])
        for i = 3, #KEYS do redis.call('UNLINK', KEYS[i]) end
        return 'deleted'
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
        var (current, previous) = SigningKey.Ring(settings.SigningKeyFile, settings.PreviousSigningKeyFiles, "signing-key-file",
            "previous-signing-key-files");
        return new SnapshotSigner(current, previous);
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
            var (sequenceNr, raw) = candidate.Value;
            SnapshotRecord record;
            try { record = SnapshotRecord.Decode(raw); }
            catch (SnapshotCorruptedException e) when (_signer is not null)
            {
                // With a key, altered metadata is refused like an altered payload: the older snapshot serves.
                _log.Error("Snapshot {0}#{1} REFUSED: {2} Falling back to an older snapshot of {0}, if one is stored.",
                    persistenceId, sequenceNr, e.Message);
                _refusals.Record(new SnapshotRefusal(persistenceId, sequenceNr, "its metadata is malformed", DateTimeOffset.UtcNow));
                criteria = OlderThan(sequenceNr, criteria);
                continue;
            }
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
            // A verified signature already proves the payload; then the checksum field (outside the signature) is not
            // trusted over it. Unsigned, a mismatch is corruption and recovery fails loudly.
            if (!(_signer is not null && record.Signature is not null) && XxHash3.HashToUInt64(payload) != record.Checksum)
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
    private async Task<(long SequenceNr, string Record)?> FindLatestAsync(IDatabase db, string pid, SnapshotSelectionCriteria criteria)
    {
        if (criteria.MaxSequenceNr < criteria.MinSequenceNr) return null;
        var found = await db.ScriptEvaluateAsync(FindLatestScript, [_keys.SnapshotIndex(pid), _keys.SnapshotMeta(pid)],
            [criteria.MaxSequenceNr, criteria.MinSequenceNr, SnapshotRecord.FormatTicks(criteria.MaxTimeStamp.Ticks),
             SnapshotRecord.FormatTicks((criteria.MinTimestamp ?? DateTime.MinValue).Ticks)]).ConfigureAwait(false);
        if (found.IsNull) return null;
        var pair = (RedisResult[])found!;
        return ((long)pair[0], (string)pair[1]!);
    }

    /// <summary>The snapshots within the criteria, by sequence number; a malformed record is judged by its timestamp alone
    /// (its first field), so that a delete still removes it.</summary>
    private async Task<List<long>> CandidatesAsync(IDatabase db, string pid,
        SnapshotSelectionCriteria criteria, Order order)
    {
        var result = new List<long>();
        if (criteria.MaxSequenceNr < criteria.MinSequenceNr) return result;
        var seqNrs = await db.SortedSetRangeByScoreAsync(_keys.SnapshotIndex(pid), criteria.MinSequenceNr, criteria.MaxSequenceNr, order: order)
            .ConfigureAwait(false);
        if (seqNrs.Length == 0) return result;
        var records = await db.HashGetAsync(_keys.SnapshotMeta(pid), seqNrs).ConfigureAwait(false);
        var min = criteria.MinTimestamp ?? DateTime.MinValue;
        for (var i = 0; i < seqNrs.Length; i++)
        {
            if (records[i].IsNull) continue;
            var raw = (string)records[i]!;
            var ticks = SnapshotRecord.TryDecode(raw)?.TimestampTicks
                ?? (raw.Length >= 20 && long.TryParse(raw.AsSpan(0, 20), CultureInfo.InvariantCulture, out var t) ? t : (long?)null);
            if (ticks is { } at && (at > criteria.MaxTimeStamp.Ticks || at < min.Ticks)) continue;
            result.Add((long)seqNrs[i]);
        }
        return result;
    }

    private async Task<byte[]?> ReadPayloadAsync(IDatabase db, string pid, long sequenceNr, SnapshotRecord record)
    {
        // The length is outside the signature: the last piece must be where it says before that many bytes are allocated.
        if (record.ChunkCount > 0)
        {
            var last = record.ChunkCount - 1;
            var lastLength = await db.StringLengthAsync(_keys.SnapshotChunk(pid, sequenceNr, record.Generation, last)).ConfigureAwait(false);
            if (lastLength != record.Length - (long)last * record.ChunkSize) return null;
        }
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
        foreach (var sequenceNr in await CandidatesAsync(db, persistenceId, criteria, Order.Ascending).ConfigureAwait(false))
            await DeleteOneAsync(db, persistenceId, sequenceNr, maxTimestamp).ConfigureAwait(false);
    }

    private async Task DeleteOneAsync(IDatabase db, string pid, long sequenceNr, string maxTimestamp, bool exact = false)
    {
        // A concurrent overwrite of the same sequence number changes the pieces' generation: read again, a few times.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var stored = await db.HashGetAsync(_keys.SnapshotMeta(pid), sequenceNr).ConfigureAwait(false);
            if (stored.IsNull) return;
            var raw = (string)stored!;
            var generation = raw.Split('|') is { Length: > 2 } parts ? parts[1] : ""; // as the script reads it
            // Malformed metadata names no pieces it can be trusted for: the record goes, its pieces (if any) stay.
            var pieces = SnapshotRecord.TryDecode(raw) is { } record
                ? Enumerable.Range(0, record.ChunkCount).Select(i => _keys.SnapshotChunk(pid, sequenceNr, generation, i))
                : [];
            RedisKey[] keys = [_keys.SnapshotIndex(pid), _keys.SnapshotMeta(pid), .. pieces];
            var result = await db.ScriptEvaluateAsync(DeleteScript, keys, [sequenceNr, maxTimestamp, exact ? "exact" : "", generation])
                .ConfigureAwait(false);
            if (result.IsNull || (string?)result == "deleted") return;
        }
        throw new InvalidOperationException($"snapshot {pid}#{sequenceNr} kept changing while it was being deleted");
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
    /// <summary>The smallest piece size a store writes (its chunk-size setting's floor).</summary>
    public const int MinChunkSize = 1024;

    /// <summary>The largest payload a record may claim (a byte array's limit).</summary>
    public const long MaxLength = int.MaxValue;

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

    public static SnapshotRecord? TryDecode(string value)
    {
        try { return Decode(value); }
        catch (SnapshotCorruptedException) { return null; }
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
        // Fields outside the signature are checked before anything is sized from them: an altered chunk size or length
        // must not divide by zero or allocate gigabytes.
        if (!long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks)
            || !int.TryParse(parts[2], CultureInfo.InvariantCulture, out var chunkSize) || chunkSize < MinChunkSize
            || !long.TryParse(parts[3], CultureInfo.InvariantCulture, out var length) || length is < 0 or > MaxLength
            || !ulong.TryParse(parts[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var checksum)
            || !int.TryParse(parts[5], CultureInfo.InvariantCulture, out var serializerId))
            throw new SnapshotCorruptedException($"Snapshot metadata is malformed: \"{(value.Length > 200 ? value[..200] + "..." : value)}\".");
        return new SnapshotRecord(ticks, parts[1], chunkSize, length, checksum, serializerId, manifest, signature);
    }
}
