// The model directory's copy of the catalog: every label and its card, read in bulk once and kept while the catalog's
// generation stays the same. A listing then costs one generation read per page instead of reading the whole set and
// parsing every card of the page again (10,000 labels: 5 pages, each a 10,000-name set and 2,000 cards).
namespace AntiNex.Models;

public sealed class CachedModelCatalog(IModelCatalog inner) : IModelCatalog
{
    private sealed record Copy(long Generation, IReadOnlyList<string> Ids, Dictionary<string, ModelCard?> Cards);

    private volatile Copy? _copy;

    public Task AddAsync(string modelId, ModelCard card) => inner.AddAsync(modelId, card);
    public Task RemoveAsync(string modelId) => inner.RemoveAsync(modelId);
    public Task RefreshCardAsync(string modelId, ModelCard card) => inner.RefreshCardAsync(modelId, card);
    public Task<long> GenerationAsync() => inner.GenerationAsync();
    public Task<bool> ListsAsync(string modelId) => inner.ListsAsync(modelId);

    public async Task<IReadOnlyList<string>> AllAsync() => (await CurrentAsync().ConfigureAwait(false)).Ids;

    /// <summary>From the copy the last <see cref="AllAsync"/> made current: a label missing there has no card.</summary>
    public async Task<IReadOnlyList<ModelCard?>> CardsAsync(IReadOnlyList<string> modelIds)
    {
        var copy = _copy ?? await CurrentAsync().ConfigureAwait(false);
        return modelIds.Select(id => copy.Cards.GetValueOrDefault(id)).ToList();
    }

    private async Task<Copy> CurrentAsync()
    {
        // The generation is read before the data: a change made while reading leaves a newer generation behind, so the
        // next read loads again.
        var generation = await inner.GenerationAsync().ConfigureAwait(false);
        if (_copy is { } copy && copy.Generation == generation) return copy;
        var ids = await inner.AllAsync().ConfigureAwait(false);
        var cards = await inner.CardsAsync(ids).ConfigureAwait(false);
        var byId = new Dictionary<string, ModelCard?>(ids.Count, StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++) byId[ids[i]] = cards[i];
        return _copy = new Copy(generation, ids, byId);
    }
}
