using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Persistence.Redis;
using AntiNex.Tests.Persistence;

namespace AntiNex.Tests.Models;

/// <summary>The catalog on a real Redis: a listing's card refresh replaces the card of a label the catalog lists, and
/// writes nothing for a label removed meanwhile, so a forgotten label is not listed again from a card made before.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class RedisModelCatalogTests(RedisFixture redis)
{
    [Fact]
    public async Task A_refreshed_card_replaces_a_listed_label_s_card_and_never_lists_a_removed_label_again()
    {
        var catalog = RedisModelCatalog.On(RedisPluginConnection.Open(redis.Server.ConnectionString, PersistenceTestConfig.NewPrefix(), "catalog"));
        await catalog.AddAsync("kept", Card("kept", 1));
        await catalog.AddAsync("forgotten", Card("forgotten", 1));

        var before = await catalog.GenerationAsync();
        await catalog.RefreshCardAsync("kept", Card("kept", 2));
        Assert.Equal(2, (await catalog.CardsAsync(["kept"]))[0]!.Version);
        Assert.True(await catalog.GenerationAsync() > before); // cached copies read the new card

        await catalog.RemoveAsync("forgotten");
        var afterForget = await catalog.GenerationAsync();
        await catalog.RefreshCardAsync("forgotten", Card("forgotten", 1));
        await catalog.RefreshCardAsync("never-listed", Card("never-listed", 1));

        Assert.Equal(["kept"], await catalog.AllAsync());
        Assert.Equal([null, null], await catalog.CardsAsync(["forgotten", "never-listed"]));
        Assert.Equal(afterForget, await catalog.GenerationAsync());
    }

    internal static ModelCard Card(string id, long version) => new(version, DateTimeOffset.UnixEpoch,
        new StoredModelSummary(id, "classification", "y", [], 3, DateTimeOffset.UnixEpoch, 91.5, 1000),
        new StoredModelMetrics(91.5, null, null, null, null, null, null, null, null, null, 10, 5, 1));
}
