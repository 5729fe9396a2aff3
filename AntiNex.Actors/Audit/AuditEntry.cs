// One line of the audit trail: who asked for which mutating command on which label, when, from where, and how it ended.
using AntiNex.Models;

namespace AntiNex.Audit;

/// <summary>An audit record as stored and as answered to <see cref="QueryAudit"/>. <see cref="Id"/> is the stream
/// entry id (server time in ms + sequence), so it orders entries and serves as a cursor. <see cref="Integrity"/> is what
/// the reading node found of the entry's signature: <c>verified</c>, <c>unsigned</c>, <c>refused: why</c>, or null
/// when the log keeps no signatures (no key, or in memory).</summary>
public sealed record AuditEntry(
    string Id, DateTimeOffset AtUtc, string Action, string Label, string Who, string? Subject, string? ApiKeyId,
    string? Via, string? Client, string? RequestId, string Result, string? Detail, string Node, string? Integrity = null)
{
    public const string Verified = "verified";
    public const string Unsigned = "unsigned";
    public const string RefusedPrefix = "refused: ";

    /// <summary>Checked, and not written by a node that holds the key (not sent: <see cref="Integrity"/> says it).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Suspect => Integrity is { } i && i != Verified;

    /// <summary>Caller identity: the certificate subject, else the API key id, else "anonymous" (no identity was given).</summary>
    public static string WhoOf(RequestOrigin? origin) =>
        !string.IsNullOrEmpty(origin?.Subject) ? origin.Subject
        : !string.IsNullOrEmpty(origin?.ApiKeyId) ? "key:" + origin.ApiKeyId
        : "anonymous";

    public static AuditEntry From(ModelCommandAudited notice) => new("", notice.AtUtc, notice.Action, notice.Label,
        WhoOf(notice.Origin), notice.Origin?.Subject, notice.Origin?.ApiKeyId, notice.Origin?.Via, notice.Origin?.Client,
        notice.RequestId, notice.Result, notice.Detail, notice.Node);
}

/// <summary>Ask a node's audit service for the newest entries (newest first) matching the filters.</summary>
public sealed record QueryAudit(string? Label, DateTimeOffset? Since, int Limit) : IAntiNexMessage
{
    public const int MaxLimit = 10_000;
}

/// <summary>The answer to <see cref="QueryAudit"/>: entries newest first, or the error that prevented reading them;
/// <see cref="WriteFailures"/> counts audit records the answering node could not write since it started;
/// <see cref="Truncated"/>: fewer entries than asked, so that the answer fits one cluster message (ask again with a later
/// <c>Since</c>, or a smaller limit).</summary>
public sealed record AuditEntries(IReadOnlyList<AuditEntry> Entries, string? Error, long WriteFailures, bool Truncated = false)
    : IAntiNexMessage;
