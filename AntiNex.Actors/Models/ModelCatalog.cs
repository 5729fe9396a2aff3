// The set of labels that have a stored model, so `models` can list passivated/unloaded ones too. Sharding only knows
// the entities currently alive; the catalog lives next to the snapshots (Redis) and survives a full restart. Beside
// each label it keeps the label's card (ModelCard), so a listing never has to wake the entities.
using AntiNex.Persistence.Redis;

namespace AntiNex.Models;

public interface IModelCatalog
{
    Task AddAsync(string modelId, ModelCard card);
    Task RemoveAsync(string modelId);
    /// <summary>Writes a card made from a description read earlier: it never lists a label (a forget that landed after
    /// the describe stays done) and never replaces a newer version's card (versions only grow, across forgets too).</summary>
    Task RefreshCardAsync(string modelId, ModelCard card);
    Task<IReadOnlyList<string>> AllAsync();
    /// <summary>Whether the catalog lists the label (a stored catalog answers it without reading every label).</summary>
    async Task<bool> ListsAsync(string modelId) => (await AllAsync().ConfigureAwait(false)).Contains(modelId, StringComparer.Ordinal);
    /// <summary>The cards of the given labels, in their order; null where none is stored (stored before cards existed).</summary>
    Task<IReadOnlyList<ModelCard?>> CardsAsync(IReadOnlyList<string> modelIds);
    /// <summary>Grows with every add or remove, by any node: a copy of the catalog read at this generation is current
    /// while it stays the same (<see cref="CachedModelCatalog"/>).</summary>
    Task<long> GenerationAsync();
}

/// <summary>A Redis set, <c>&lt;prefix&gt;models</c>, a hash of cards, <c>&lt;prefix&gt;models:cards</c>, and their generation,
/// <c>&lt;prefix&gt;models:generation</c> (incremented after each change), kept on the Redis persistence plugin's own connection.</summary>
public sealed class RedisModelCatalog(RedisNameSet set, RedisNameMap cards, RedisCounter generation) : IModelCatalog
{
    public const string SetName = "models";
    public const string CardsName = "models:cards";
    public const string GenerationName = "models:generation";

    public static RedisModelCatalog On(RedisPluginConnection connection)
        => new(connection.NameSet(SetName), connection.NameMap(CardsName), connection.Counter(GenerationName));

    public async Task AddAsync(string modelId, ModelCard card)
    {
        await cards.SetAsync(modelId, card.ToJson()).ConfigureAwait(false);
        await set.AddAsync(modelId).ConfigureAwait(false);
        await generation.IncrementAsync().ConfigureAwait(false);
    }

    public Task<bool> ListsAsync(string modelId) => set.ContainsAsync(modelId);

    public async Task RemoveAsync(string modelId)
    {
        await set.RemoveAsync(modelId).ConfigureAwait(false);
        await cards.RemoveAsync(modelId).ConfigureAwait(false);
        await generation.IncrementAsync().ConfigureAwait(false);
    }

    public async Task RefreshCardAsync(string modelId, ModelCard card)
    {
        // The set is not touched: a label forgotten meanwhile keeps a card nobody lists, replaced if it is trained again.
        if (await cards.SetUnlessNewerAsync(modelId, card.ToJson(), "version", card.Version).ConfigureAwait(false))
            await generation.IncrementAsync().ConfigureAwait(false);
    }

    public Task<long> GenerationAsync() => generation.GetAsync();

    public Task<IReadOnlyList<string>> AllAsync() => set.AllAsync();

    public async Task<IReadOnlyList<ModelCard?>> CardsAsync(IReadOnlyList<string> modelIds)
        => (await cards.GetAsync(modelIds).ConfigureAwait(false)).Select(ModelCard.FromJson).ToList();
}

/// <summary>Process-local catalog for single-process development with the in-memory journal.</summary>
public sealed class InMemoryModelCatalog : IModelCatalog
{
    private readonly Dictionary<string, ModelCard?> _cards = [];
    private long _generation;
    public Task AddAsync(string modelId, ModelCard card)
    {
        lock (_cards) { _cards[modelId] = card; _generation++; }
        return Task.CompletedTask;
    }
    public Task RemoveAsync(string modelId)
    {
        lock (_cards) { _cards.Remove(modelId); _generation++; }
        return Task.CompletedTask;
    }
    public Task RefreshCardAsync(string modelId, ModelCard card)
    {
        lock (_cards)
            if (_cards.TryGetValue(modelId, out var stored) && (stored is null || stored.Version < card.Version))
            {
                _cards[modelId] = card;
                _generation++;
            }
        return Task.CompletedTask;
    }
    public Task<long> GenerationAsync() { lock (_cards) return Task.FromResult(_generation); }
    public Task<IReadOnlyList<string>> AllAsync()
    {
        lock (_cards) return Task.FromResult<IReadOnlyList<string>>(_cards.Keys.Order(StringComparer.Ordinal).ToList());
    }
    public Task<IReadOnlyList<ModelCard?>> CardsAsync(IReadOnlyList<string> modelIds)
    {
        lock (_cards) return Task.FromResult<IReadOnlyList<ModelCard?>>(modelIds.Select(id => _cards.GetValueOrDefault(id)).ToList());
    }
}
