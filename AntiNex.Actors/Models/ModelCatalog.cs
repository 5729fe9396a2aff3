// The set of labels that have a stored model, so `models` can list passivated/unloaded ones too. Sharding only knows
// the entities currently alive; the catalog lives next to the snapshots (Redis) and survives a full restart.
using AntiNex.Persistence.Redis;

namespace AntiNex.Models;

public interface IModelCatalog
{
    Task AddAsync(string modelId);
    Task RemoveAsync(string modelId);
    Task<IReadOnlyList<string>> AllAsync();
}

/// <summary>One Redis set, <c>&lt;prefix&gt;models</c>, kept on the Redis persistence plugin's own connection.</summary>
public sealed class RedisModelCatalog(RedisNameSet set) : IModelCatalog
{
    public Task AddAsync(string modelId) => set.AddAsync(modelId);
    public Task RemoveAsync(string modelId) => set.RemoveAsync(modelId);
    public Task<IReadOnlyList<string>> AllAsync() => set.AllAsync();
}

/// <summary>Process-local catalog for single-process development with the in-memory journal.</summary>
public sealed class InMemoryModelCatalog : IModelCatalog
{
    private readonly HashSet<string> _ids = [];
    public Task AddAsync(string modelId) { lock (_ids) _ids.Add(modelId); return Task.CompletedTask; }
    public Task RemoveAsync(string modelId) { lock (_ids) _ids.Remove(modelId); return Task.CompletedTask; }
    public Task<IReadOnlyList<string>> AllAsync()
    {
        lock (_ids) return Task.FromResult<IReadOnlyList<string>>(_ids.Order(StringComparer.Ordinal).ToList());
    }
}
