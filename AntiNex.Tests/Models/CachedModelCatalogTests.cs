using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>
/// The directory's copy of the catalog: read in bulk once, then reused while the catalog's generation is unchanged, and
/// read again as soon as any writer (here a second catalog on the same store, as another node would be) adds or removes a label.
/// </summary>
public sealed class CachedModelCatalogTests
{
    [Fact]
    public async Task Reuses_its_copy_until_another_writer_changes_the_catalog()
    {
        var store = new CountingCatalog(new InMemoryModelCatalog());
        await store.AddAsync("b", Card("b", 1));
        await store.AddAsync("a", Card("a", 1));
        var cached = new CachedModelCatalog(store);

        Assert.Equal(["a", "b"], await cached.AllAsync());
        Assert.Equal([1L, 1L], (await cached.CardsAsync(["a", "b"])).Select(c => c!.Version));
        Assert.Equal((1, 1), (store.AllReads, store.CardReads));
        Assert.Equal(["a", "b"], await cached.AllAsync());
        Assert.Null((await cached.CardsAsync(["zz"]))[0]);
        Assert.Equal((1, 1), (store.AllReads, store.CardReads)); // unchanged generation: nothing read again

        await store.AddAsync("a", Card("a", 2)); // another node stores version 2 of "a"
        await store.AddAsync("c", Card("c", 1));
        await store.RemoveAsync("b");
        Assert.Equal(["a", "c"], await cached.AllAsync());
        Assert.Equal([2L, 1L], (await cached.CardsAsync(["a", "c"])).Select(c => c!.Version));
        Assert.Equal((2, 2), (store.AllReads, store.CardReads));
    }

    private static ModelCard Card(string id, long version) => new(version, DateTimeOffset.UnixEpoch,
        new StoredModelSummary(id, "classification", "y", [], 3, DateTimeOffset.UnixEpoch, 91.5, 1000),
        new StoredModelMetrics(91.5, null, null, null, null, null, null, null, null, null, 10, 5, 1));

    private sealed class CountingCatalog(IModelCatalog inner) : IModelCatalog
    {
        public int AllReads, CardReads;
        public Task AddAsync(string modelId, ModelCard card) => inner.AddAsync(modelId, card);
        public Task RemoveAsync(string modelId) => inner.RemoveAsync(modelId);
        public Task RefreshCardAsync(string modelId, ModelCard card) => inner.RefreshCardAsync(modelId, card);
        public Task<long> GenerationAsync() => inner.GenerationAsync();
        public Task<IReadOnlyList<string>> AllAsync()
        {
            AllReads++;
            return inner.AllAsync();
        }
        public Task<IReadOnlyList<ModelCard?>> CardsAsync(IReadOnlyList<string> modelIds)
        {
            CardReads++;
            return inner.CardsAsync(modelIds);
        }
    }
}
