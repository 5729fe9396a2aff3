using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Persistence.Redis;
using AntiNex.Tests.Persistence;

namespace AntiNex.Tests.Models;

/// <summary>The catalog on a real Redis: a listing's card refresh replaces an older card, never a newer one, and never
/// lists a label, so a forgotten label is not listed again from a card made before the forget.</summary>
[Collection(SharedRedisCollection.Name)]
public sealed class RedisModelCatalogTests(RedisFixture redis)
{
    [Fact]
    public async Task A_refreshed_card_replaces_only_an_older_card_and_never_lists_a_removed_label_again()
    {
        var catalog = RedisModelCatalog.On(RedisPluginConnection.Open(redis.Server.ConnectionString, PersistenceTestConfig.NewPrefix(), "catalog"));
        await catalog.AddAsync("kept", Card("kept", 1));
        await catalog.AddAsync("forgotten", Card("forgotten", 1));

        var before = await catalog.GenerationAsync();
        await catalog.RefreshCardAsync("kept", Card("kept", 3));
        Assert.Equal(3, (await catalog.CardsAsync(["kept"]))[0]!.Version);
        var refreshed = await catalog.GenerationAsync();
        Assert.True(refreshed > before); // cached copies read the new card

        // A description read before version 3 was stored comes late: the newer card stays.
        await catalog.RefreshCardAsync("kept", Card("kept", 2));
        await catalog.RefreshCardAsync("kept", Card("kept", 3));
        Assert.Equal(3, (await catalog.CardsAsync(["kept"]))[0]!.Version);
        Assert.Equal(refreshed, await catalog.GenerationAsync());

        await catalog.RemoveAsync("forgotten");
        await catalog.RefreshCardAsync("forgotten", Card("forgotten", 1));
        Assert.Equal(["kept"], await catalog.AllAsync());

        // Trained again after the forget: the entity's own write replaces whatever card was left.
        await catalog.AddAsync("forgotten", Card("forgotten", 2));
        Assert.Equal(["forgotten", "kept"], await catalog.AllAsync());
        Assert.Equal(2, (await catalog.CardsAsync(["forgotten"]))[0]!.Version);
    }

    internal static ModelCard Card(string id, long version) => new(version, DateTimeOffset.UnixEpoch,
        new StoredModelSummary(id, "classification", "y", [], 3, DateTimeOffset.UnixEpoch, 91.5, 1000),
        new StoredModelMetrics(91.5, null, null, null, null, null, null, null, null, null, 10, 5, 1));
}
