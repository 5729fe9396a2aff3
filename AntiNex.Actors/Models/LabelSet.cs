// A plain set of labels kept beside the snapshots (e.g. the labels with an accepted, unfinished training), so a node
// can find them after a crash without waking every entity.
using AntiNex.Persistence.Redis;

namespace AntiNex.Models;

public interface ILabelSet
{
    Task AddAsync(string modelId);
    Task RemoveAsync(string modelId);
    Task<IReadOnlyList<string>> AllAsync();
}

/// <summary>A Redis set on the persistence plugin's own connection.</summary>
public sealed class RedisLabelSet(RedisNameSet set) : ILabelSet
{
    public Task AddAsync(string modelId) => set.AddAsync(modelId);
    public Task RemoveAsync(string modelId) => set.RemoveAsync(modelId);
    public Task<IReadOnlyList<string>> AllAsync() => set.AllAsync();
}

/// <summary>Process-local set for single-process development with the in-memory journal.</summary>
public sealed class InMemoryLabelSet : ILabelSet
{
    private readonly SortedSet<string> _labels = new(StringComparer.Ordinal);
    public Task AddAsync(string modelId) { lock (_labels) _labels.Add(modelId); return Task.CompletedTask; }
    public Task RemoveAsync(string modelId) { lock (_labels) _labels.Remove(modelId); return Task.CompletedTask; }
    public Task<IReadOnlyList<string>> AllAsync()
    {
        lock (_labels) return Task.FromResult<IReadOnlyList<string>>([.. _labels]);
    }
}
