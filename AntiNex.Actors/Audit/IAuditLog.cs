namespace AntiNex.Audit;

/// <summary>Append-only store of audit entries with a size cap (oldest entries go first).</summary>
public interface IAuditLog
{
    /// <summary>Where the entries live, for logs (never a credential).</summary>
    string Describe { get; }

    Task AppendAsync(AuditEntry entry);

    /// <summary>Newest first, at most <see cref="QueryAudit.Limit"/> entries, filtered by label and time.</summary>
    Task<IReadOnlyList<AuditEntry>> QueryAsync(QueryAudit query);
}
