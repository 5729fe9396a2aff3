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

/// <summary>What one pass found and did.</summary>
public sealed record JournalSignaturesReport(
    JournalSignaturesMode Mode, int Journals, long Events, long Signed, long Unsigned, long Changed, IReadOnlyList<RefusedEvent> Refused)
{
    /// <summary>Everything is in the state the mode asks for: no refused event; after Check or Sign, none unsigned; after
    /// Strip, none signed.</summary>
    public bool Clean => Refused.Count == 0 && Mode switch
    {
        JournalSignaturesMode.Strip => Signed == Changed,
        _ => Unsigned == (Mode == JournalSignaturesMode.Sign ? Changed : 0),
    };
}

/// <summary>
/// Maintenance of the Redis journal's event signatures, run by an operator while no node writes to the journal.
/// A journal written before signing holds unsigned events, which a signing journal refuses: Sign vouches for them
/// once, with the current key, as they are. An unsigned event is signed only if its envelope reads back as the event
/// stored at that persistence id and sequence number (a readable payload included), so a record that could never have
/// been written there is reported instead. Each event is replaced by a script that checks it is still stored at its
/// sequence number: an event written or deleted meanwhile is left alone, never duplicated.
/// </summary>
public sealed class JournalSignatures(IConnectionMultiplexer redis, int database, string keyPrefix, EventSigner signer,
    Akka.Serialization.Serializer persistentSerializer)
{
    private const string EventsSuffix = "}:events";
    private const int PageSize = 200;

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

    /// <summary>Every events key under the prefix, every event in sequence order. <paramref name="progress"/> hears each
    /// journal done (count so far, events so far).</summary>
    public async Task<JournalSignaturesReport> RunAsync(JournalSignaturesMode mode, Action<int, long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase(database);
        var refused = new List<RefusedEvent>();
        int journals = 0;
        long events = 0, signed = 0, unsigned = 0, changed = 0;
        foreach (var key in await EventKeysAsync(cancellationToken).ConfigureAwait(false))
        {
            var pid = key[(keyPrefix.Length + 1)..^EventsSuffix.Length];
            double from = double.NegativeInfinity;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = await db.SortedSetRangeByScoreWithScoresAsync(key, from, double.PositiveInfinity, Exclude.None, Order.Ascending,
                    0, PageSize).ConfigureAwait(false);
                foreach (var entry in page)
                {
                    events++;
                    var sequenceNr = (long)entry.Score;
                    var stored = (byte[])entry.Element!;
                    var outcome = Inspect(pid, sequenceNr, stored, out var envelope);
                    if (outcome.Refusal is { } reason) refused.Add(new RefusedEvent(pid, sequenceNr, reason));
                    else if (outcome.IsSigned) signed++;
                    else unsigned++;
                    byte[]? replacement = (mode, outcome) switch
                    {
                        (JournalSignaturesMode.Sign, { Refusal: null, IsSigned: false }) =>
                            JournalRecord.Signed(envelope!, signer.Sign(Identity(pid, sequenceNr), envelope)),
                        (JournalSignaturesMode.Strip, { Refusal: null, IsSigned: true }) => envelope,
                        _ => null,
                    };
                    if (replacement is not null && await ReplaceAsync(db, key, stored, replacement, sequenceNr).ConfigureAwait(false))
                        changed++;
                }
                if (page.Length < PageSize) break;
                from = page[^1].Score + 1;
            }
            journals++;
            progress?.Invoke(journals, events);
        }
        return new JournalSignaturesReport(mode, journals, events, signed, unsigned, changed, refused);
    }

    private readonly record struct Outcome(bool IsSigned, string? Refusal);

    private Outcome Inspect(string pid, long sequenceNr, byte[] stored, out byte[]? envelope)
    {
        envelope = null;
        if (JournalRecord.Read(stored, out var malformed) is not { } record) return new Outcome(true, malformed);
        envelope = record.Envelope;
        if (record.Signature is not null)
        {
            var verification = signer.Verify(Identity(pid, sequenceNr), record.Envelope, record.Signature);
            return new Outcome(true, verification.Ok ? null : verification.Reason);
        }
        return new Outcome(false, ReadsBackAs(pid, sequenceNr, record.Envelope));
    }

    /// <summary>Null when the envelope is the event of that persistence id and sequence number; else why not.</summary>
    private string? ReadsBackAs(string pid, long sequenceNr, byte[] envelope)
    {
        IPersistentRepresentation persistent;
        try { persistent = (IPersistentRepresentation)persistentSerializer.FromBinary(envelope, typeof(Persistent)); }
        catch (Exception ex) { return $"it does not read as an event ({ex.GetType().Name}: {ex.Message})"; }
        if (persistent.PersistenceId != pid || persistent.SequenceNr != sequenceNr)
            return $"it holds event {persistent.PersistenceId}#{persistent.SequenceNr}, not the one stored here";
        return null;
    }

    private EventIdentity Identity(string pid, long sequenceNr) => new(pid, sequenceNr, persistentSerializer.Identifier, "");

    private static async Task<bool> ReplaceAsync(IDatabase db, RedisKey key, byte[] stored, byte[] replacement, long sequenceNr) =>
        (long)(await db.ScriptEvaluateAsync(ReplaceScript, [key], [stored, replacement, sequenceNr]).ConfigureAwait(false)) == 1;

    private async Task<List<string>> EventKeysAsync(CancellationToken cancellationToken)
    {
        var pattern = Glob(keyPrefix) + "{*" + EventsSuffix;
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            await foreach (var key in server.KeysAsync(database, pattern, PageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
                keys.Add(key.ToString());
        return keys.ToList();
    }

    /// <summary>The prefix as a literal in a Redis glob pattern.</summary>
    private static string Glob(string literal)
    {
        var sb = new System.Text.StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }
}
