using System.Globalization;
using System.Text;
using Akka.Persistence;
using AntiNex.Persistence.Signing;
using StackExchange.Redis;

namespace AntiNex.Persistence.Redis;

/// <summary>What <see cref="JournalSignatures"/> does to each stored event.</summary>
public enum JournalSignaturesMode
{
    /// <summary>Read and verify every event; change nothing.</summary>
    Check,
    /// <summary>Sign every unsigned event in place (the one-time step when journal signing is turned on).</summary>
    Sign,
    /// <summary>Remove the signature of every event that verifies (going back to a version that cannot read them).</summary>
    Strip,
}

/// <summary>One event left as it was, and why.</summary>
public sealed record RefusedEvent(string PersistenceId, long SequenceNr, string Reason);

/// <summary>One event signed by this run: what it holds, so the operator sees what was vouched for.</summary>
public sealed record SignedEvent(string PersistenceId, long SequenceNr, string PayloadType);

/// <summary>What one pass found and did. <see cref="SignedBefore"/>: when a previous Sign run finished (its mark verifies).</summary>
public sealed record JournalSignaturesReport(
    JournalSignaturesMode Mode, int Journals, long Events, long Signed, long Unsigned, long Changed, IReadOnlyList<RefusedEvent> Refused,
    IReadOnlyList<SignedEvent> SignedNow, DateTimeOffset? SignedBefore)
{
    /// <summary>Everything is in the state the mode asks for: no refused event; after Check or Sign, none unsigned left; after
    /// Strip, none signed left.</summary>
    public bool Clean => Refused.Count == 0 && Mode switch
    {
        JournalSignaturesMode.Strip => Signed == Changed,
        JournalSignaturesMode.Sign => Unsigned == Changed,
        _ => Unsigned == 0,
    };
}

/// <summary>
/// Maintenance of the Redis journal's event signatures, run by an operator while no node writes to the journal.
/// A journal written before signing holds unsigned events, which a signing journal refuses: Sign vouches for them
/// once, with the current key, as they are, and leaves a signed mark saying when. What no journal before signing could
/// have written is reported instead of signed: an unsigned event after a signed one of the same journal, above the
/// journal's recorded highest sequence number, at a score that is no sequence number or beside another event, one whose
/// envelope does not read back as the event stored there, and any unsigned event once the mark is there. Each event is
/// replaced by a script that checks it is still stored at its sequence number: one written or deleted meanwhile is left
/// alone (and reported), never duplicated.
/// </summary>
public sealed class JournalSignatures(IConnectionMultiplexer redis, int database, string keyPrefix, EventSigner signer,
    Akka.Serialization.Serializer persistentSerializer)
{
    private const string EventsSuffix = "}:events";
    private const int PageSize = 200;
    /// <summary>What the mark's signature binds besides the prefix (no serializer has id -1: never an event's identity).</summary>
    private const string MarkId = "journal-signatures-mark";

    // Replaces one member, only while it is still stored at that score.
    private const string ReplaceScript = """
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if score and tonumber(score) == tonumber(ARGV[3]) then
          redis.call('ZREM', KEYS[1], ARGV[1])
          redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
          return 1
        end
        return 0
        """;

    /// <summary>The key of the mark a finished Sign run leaves: its time and a signature over it.</summary>
    public string MarkKey => keyPrefix + "journal-signed";

    /// <summary>Every events key under the prefix, every event in sequence order. <paramref name="progress"/> hears each
    /// journal done (count so far, events so far).</summary>
    public async Task<JournalSignaturesReport> RunAsync(JournalSignaturesMode mode, Action<int, long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase(database);
        var signedBefore = await ReadMarkAsync(db).ConfigureAwait(false);
        var run = new Run(mode, signedBefore);
        foreach (var key in await EventKeysAsync(cancellationToken).ConfigureAwait(false))
        {
            var pid = key[(keyPrefix.Length + 1)..^EventsSuffix.Length];
            var highest = await db.StringGetAsync($"{keyPrefix}{{{pid}}}:highest").ConfigureAwait(false);
            var journal = new JournalState(pid, highest.TryParse(out long h) ? h : 0);
            for (long start = 0; ; start += PageSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // By rank: no score, however odd, makes the paging skip a member or stand still.
                var page = await db.SortedSetRangeByRankWithScoresAsync(key, start, start + PageSize - 1).ConfigureAwait(false);
                foreach (var entry in page) await VisitAsync(db, key, journal, entry, run).ConfigureAwait(false);
                if (page.Length < PageSize) break;
            }
            run.Journals++;
            progress?.Invoke(run.Journals, run.Events);
        }
        // The mark says "every event from here on is written signed"; a journal turned back into its unsigned form has no mark.
        if (mode == JournalSignaturesMode.Sign && run.Journals > 0) await WriteMarkAsync(db).ConfigureAwait(false);
        if (mode == JournalSignaturesMode.Strip) await db.KeyDeleteAsync(MarkKey).ConfigureAwait(false);
        return new JournalSignaturesReport(mode, run.Journals, run.Events, run.Signed, run.Unsigned, run.Changed, run.Refused,
            run.SignedNow, signedBefore);
    }

    private sealed class Run(JournalSignaturesMode mode, DateTimeOffset? signedBefore)
    {
        public JournalSignaturesMode Mode { get; } = mode;
        public DateTimeOffset? SignedBefore { get; } = signedBefore;
        public int Journals;
        public long Events, Signed, Unsigned, Changed;
        public List<RefusedEvent> Refused { get; } = [];
        public List<SignedEvent> SignedNow { get; } = [];
    }

    private sealed class JournalState(string pid, long highest)
    {
        public string Pid { get; } = pid;
        public long Highest { get; } = highest;
        public long Last = -1;
        public bool SawSigned;
    }

    private async Task VisitAsync(IDatabase db, RedisKey key, JournalState journal, SortedSetEntry entry, Run run)
    {
        run.Events++;
        var stored = (byte[])entry.Element!;
        if (JournalScores.Refusal(entry.Score, journal.Last) is { } badScore)
        {
            run.Refused.Add(new RefusedEvent(journal.Pid, JournalScores.Nearest(entry.Score), badScore));
            return;
        }
        var sequenceNr = (long)entry.Score;
        journal.Last = sequenceNr;
        if (JournalRecord.Read(stored, out var malformed) is not { } record)
        {
            run.Refused.Add(new RefusedEvent(journal.Pid, sequenceNr, malformed!));
            return;
        }
        if (record.Signature is not null)
        {
            var verification = signer.Verify(Identity(journal.Pid, sequenceNr), record.Envelope, record.Signature);
            if (!verification.Ok)
            {
                run.Refused.Add(new RefusedEvent(journal.Pid, sequenceNr, verification.Reason));
                return;
            }
            run.Signed++;
            journal.SawSigned = true;
            if (run.Mode == JournalSignaturesMode.Strip) await ReplaceAsync(db, key, journal, stored, record.Envelope, sequenceNr, run, null);
            return;
        }
        run.Unsigned++;
        if (UnsignedRefusal(journal, sequenceNr, record.Envelope, run.SignedBefore, out var payloadType) is { } reason)
        {
            run.Refused.Add(new RefusedEvent(journal.Pid, sequenceNr, reason));
            return;
        }
        if (run.Mode != JournalSignaturesMode.Sign) return;
        var signed = JournalRecord.Signed(record.Envelope, signer.Sign(Identity(journal.Pid, sequenceNr), record.Envelope));
        await ReplaceAsync(db, key, journal, stored, signed, sequenceNr, run, new SignedEvent(journal.Pid, sequenceNr, payloadType!));
    }

    /// <summary>Null when an unsigned event is one a journal before signing could have written there; else why not.</summary>
    private string? UnsignedRefusal(JournalState journal, long sequenceNr, byte[] envelope, DateTimeOffset? signedBefore,
        out string? payloadType)
    {
        payloadType = null;
        if (signedBefore is { } at)
            return $"it carries no signature, and this journal was signed on {at:u}: no node has written an unsigned event since " +
                   "(delete it; it was added in Redis)";
        if (journal.SawSigned)
            return "it carries no signature but follows a signed event of the same journal: it was added after signing (delete it)";
        if (sequenceNr > journal.Highest)
            return $"it lies above the highest sequence number the journal recorded ({journal.Highest}): it was added in Redis";
        IPersistentRepresentation persistent;
        try { persistent = (IPersistentRepresentation)persistentSerializer.FromBinary(envelope, typeof(Persistent)); }
        catch (Exception ex) { return $"it does not read as an event ({ex.GetType().Name}: {ex.Message})"; }
        if (persistent.PersistenceId != journal.Pid || persistent.SequenceNr != sequenceNr)
            return $"it holds event {persistent.PersistenceId}#{persistent.SequenceNr}, not the one stored here";
        payloadType = persistent.Payload?.GetType().Name ?? "null";
        return null;
    }

    private EventIdentity Identity(string pid, long sequenceNr) => new(pid, sequenceNr, persistentSerializer.Identifier, "");

    private static async Task ReplaceAsync(IDatabase db, RedisKey key, JournalState journal, byte[] stored, byte[] replacement,
        long sequenceNr, Run run, SignedEvent? signed)
    {
        var done = (long)(await db.ScriptEvaluateAsync(ReplaceScript, [key], [stored, replacement, sequenceNr]).ConfigureAwait(false)) == 1;
        if (!done)
        {
            run.Refused.Add(new RefusedEvent(journal.Pid, sequenceNr, "it was changed or deleted while this ran; left as it is now"));
            return;
        }
        run.Changed++;
        if (signed is not null) run.SignedNow.Add(signed);
    }

    private byte[] MarkPayload(string at) => Encoding.UTF8.GetBytes(keyPrefix + "|" + at);
    private static EventIdentity MarkIdentity => new(MarkId, 0, -1, MarkId);

    private async Task WriteMarkAsync(IDatabase db)
    {
        var at = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        await db.StringSetAsync(MarkKey, at + "|" + signer.Sign(MarkIdentity, MarkPayload(at))).ConfigureAwait(false);
    }

    /// <summary>When a Sign run finished, if its mark is there and verifies (a mark made without the key counts as none).</summary>
    private async Task<DateTimeOffset?> ReadMarkAsync(IDatabase db)
    {
        var value = await db.StringGetAsync(MarkKey).ConfigureAwait(false);
        if (value.IsNull) return null;
        var text = value.ToString();
        var bar = text.IndexOf('|');
        if (bar < 0) return null;
        var at = text[..bar];
        if (!signer.Verify(MarkIdentity, MarkPayload(at), text[(bar + 1)..]).Ok) return null;
        return DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) ? parsed : null;
    }

    private async Task<List<string>> EventKeysAsync(CancellationToken cancellationToken)
    {
        var pattern = Glob(keyPrefix) + "{*" + EventsSuffix;
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var primaries = redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
        if (primaries.Count == 0) throw new RedisException("no connected primary Redis server: nothing was read");
        foreach (var server in primaries)
            await foreach (var key in server.KeysAsync(database, pattern, PageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
                keys.Add(key.ToString());
        return keys.ToList();
    }

    /// <summary>The prefix as a literal in a Redis glob pattern.</summary>
    private static string Glob(string literal)
    {
        var sb = new StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }
}
