using AntiNex.Models;

namespace AntiNex.Audit;

/// <summary>A node without Redis (development only): the same cap and query semantics, held in this process only.</summary>
public sealed class InMemoryAuditLog(int maxEntries) : IAuditLog
{
    private readonly LinkedList<AuditEntry> _entries = new();
    private long _sequence;

    public string Describe => $"memory of this node only (max {maxEntries} entries)";

    public Task AppendAsync(AuditEntry entry)
    {
        lock (_entries)
        {
            var id = $"{entry.AtUtc.ToUnixTimeMilliseconds()}-{++_sequence}";
            _entries.AddLast(entry with { Id = id });
            while (_entries.Count > maxEntries) _entries.RemoveFirst();
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(QueryAudit query)
    {
        var label = query.Label is null ? null : ModelIds.FromLabel(query.Label);
        lock (_entries)
        {
            IReadOnlyList<AuditEntry> found = _entries.Reverse()
                .Where(e => label is null || ModelIds.FromLabel(e.Label) == label)
                .Where(e => query.Since is null || e.AtUtc >= query.Since)
                .Take(query.Limit).ToList();
            return Task.FromResult(found);
        }
    }
}
