// The audit trail in one Redis stream: XADD with MAXLEN ~ cap keeps it bounded (Redis trims whole macro-nodes, so the
// length stays within a few hundred entries above the cap), entries are never rewritten, and ids carry server time.
// With a signer, each entry carries a "sig" field over its other fields and the stream: someone who can only write to
// Redis can still add, trim or delete entries, but an entry they add reads back as unsigned or refused, never verified.
using System.Globalization;
using AntiNex.Models;
using AntiNex.Persistence.Signing;
using StackExchange.Redis;

namespace AntiNex.Audit;

public sealed class RedisAuditLog(IConnectionMultiplexer redis, string streamKey, int maxEntries, AuditSigner? signer = null) : IAuditLog
{
    private const string SignatureField = "sig";

    /// <summary>Entries read per round trip while filtering.</summary>
    private const int Page = 500;

    public string StreamKey { get; } = streamKey;
    public string Describe => $"redis stream {StreamKey} (max ~{maxEntries} entries{(signer is null ? "" : $", signed with key {signer.KeyId}")})";

    public Task AppendAsync(AuditEntry e)
    {
        var fields = new List<NameValueEntry>
        {
            new("at", e.AtUtc.ToString("O", CultureInfo.InvariantCulture)), new("action", e.Action), new("label", e.Label),
            new("who", e.Who), new("result", e.Result), new("node", e.Node),
        };
        void Optional(string name, string? value) { if (!string.IsNullOrEmpty(value)) fields.Add(new(name, value)); }
        Optional("subject", e.Subject);
        Optional("api_key", e.ApiKeyId);
        Optional("via", e.Via);
        Optional("client", e.Client);
        Optional("request_id", e.RequestId);
        Optional("detail", e.Detail);
        if (signer is not null) fields.Add(new(SignatureField, signer.Sign(RecordOf(fields))));
        return redis.GetDatabase().StreamAddAsync(StreamKey, [.. fields], maxLength: maxEntries, useApproximateMaxLength: true);
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(QueryAudit query)
    {
        var db = redis.GetDatabase();
        var label = query.Label is null ? null : ModelIds.FromLabel(query.Label);
        var min = query.Since is { } since ? $"{Math.Max(0, since.ToUnixTimeMilliseconds())}-0" : "-";
        RedisValue max = "+";
        var result = new List<AuditEntry>();
        while (result.Count < query.Limit)
        {
            var page = await db.StreamRangeAsync(StreamKey, min, max, Page, Order.Descending).ConfigureAwait(false);
            foreach (var item in page)
            {
                // The label first: a signature is checked only on an entry that is answered.
                if (label is not null && ModelIds.FromLabel(item["label"].ToString()) != label) continue;
                result.Add(Parse(item));
                if (result.Count == query.Limit) break;
            }
            if (page.Length < Page) break;
            max = "(" + page[^1].Id; // exclusive: continue below the last entry read
        }
        return result;
    }

    private AuditRecord RecordOf(IEnumerable<NameValueEntry> fields) => new(StreamKey,
        fields.Where(f => f.Name != SignatureField).Select(f => KeyValuePair.Create(f.Name.ToString(), f.Value.ToString())).ToList());

    private string? IntegrityOf(StreamEntry item)
    {
        if (signer is null) return null;
        var signature = item[SignatureField];
        if (signature.IsNull) return AuditEntry.Unsigned;
        var verification = signer.Verify(RecordOf(item.Values), signature.ToString());
        return verification.Ok ? AuditEntry.Verified : AuditEntry.RefusedPrefix + verification.Reason;
    }

    private AuditEntry Parse(StreamEntry item)
    {
        string? Field(string name) => item[name] is { IsNull: false } v ? v.ToString() : null;
        var at = DateTimeOffset.TryParse(Field("at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            ? parsed : DateTimeOffset.MinValue;
        return new AuditEntry(item.Id!, at, Field("action") ?? "", Field("label") ?? "", Field("who") ?? "anonymous",
            Field("subject"), Field("api_key"), Field("via"), Field("client"), Field("request_id"), Field("result") ?? "",
            Field("detail"), Field("node") ?? "", IntegrityOf(item));
    }
}
