// The set of labels that have a stored model, so `models` can list passivated/unloaded ones too. Sharding only knows
// the entities currently alive; the catalog lives next to the snapshots (Redis) and survives a full restart.
using Akka.Actor;
using AntiNex.Persistence.Redis;

namespace AntiNex.Models;

public interface IModelCatalog
{
    Task AddAsync(string modelId);
    Task RemoveAsync(string modelId);
    Task<IReadOnlyList<string>> AllAsync();
}

/// <summary>One Redis set, <c>&lt;prefix&gt;models</c>, kept through the Redis persistence plugin's own connection. The
/// node creates it before its actor system exists; calls wait until <see cref="Attach"/> gave it the system.</summary>
public sealed class RedisModelCatalog : IModelCatalog
{
    private readonly TaskCompletionSource<RedisNameSet> _set = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Binds the catalog to the system whose default journal is the Redis plugin.</summary>
    public void Attach(ActorSystem system)
    {
        var connection = RedisConnections.Get(system).DefaultPlugin()
            ?? throw new InvalidOperationException("the Redis model catalog needs the Redis persistence plugin as the default journal");
        _set.TrySetResult(connection.NameSet("models"));
    }

    public async Task AddAsync(string modelId) => await (await _set.Task.ConfigureAwait(false)).AddAsync(modelId).ConfigureAwait(false);
    public async Task RemoveAsync(string modelId) => await (await _set.Task.ConfigureAwait(false)).RemoveAsync(modelId).ConfigureAwait(false);
    public async Task<IReadOnlyList<string>> AllAsync() => await (await _set.Task.ConfigureAwait(false)).AllAsync().ConfigureAwait(false);
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
