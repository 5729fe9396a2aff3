using Akka.Actor;
using Akka.Cluster.Sharding;
using AntiNex.Learning;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>
/// `models` over many labels: every label of the catalog is listed exactly once, page by page, from its card without
/// waking its entity; a running entity's state (node, loaded, phase, predictions) is shown with its card, and a running
/// version newer than the card is described by the entity itself; a label stored before cards existed is described by
/// its entity and gets its card for the next listing.
/// </summary>
public sealed class ModelDirectoryListingTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Labels = 2500;

    [Fact]
    public async Task Every_catalog_label_is_listed_once_across_pages_and_only_uncarded_ones_wake_their_entity()
    {
        var catalog = new InMemoryModelCatalog();
        var ids = Enumerable.Range(0, Labels).Select(i => $"label-{i:D5}").ToList();
        foreach (var id in ids.Skip(1)) await catalog.AddAsync(id, Card(id, version: 1));
        await catalog.AddAsync(ids[0], Card(ids[0], 1));
        var uncarded = "label-00007";
        var running = "label-01234"; // runs version 2, newer than its card
        var runningAsCarded = "label-02000"; // runs its card's version
        var region = Sys.ActorOf(Props.Create(() => new RegionStandIn(running, runningAsCarded)));
        var withoutCard = new WithoutCard(catalog, uncarded);
        var directory = Sys.ActorOf(ModelDirectory.Props(region, withoutCard, TimeSpan.FromSeconds(20), "n1"), ModelDirectory.Name);

        var listed = new List<ModelDescription>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await directory.Ask<ModelList>(new ListModels { After = after, Limit = 1000 }, TimeSpan.FromSeconds(30));
            Assert.Empty(page.Unreachable);
            Assert.True(page.Models.Count <= 1000);
            listed.AddRange(page.Models);
            after = page.Next;
            pages++;
        } while (after is not null);

        Assert.Equal(3, pages);
        Assert.Equal(ids, listed.Select(d => ModelIds.FromLabel(d.Label)).Order(StringComparer.Ordinal));
        var live = listed.Single(d => d.Label == running);
        Assert.Equal(("n1", "idle", true, 2L), (live.Node, live.State, live.Loaded, live.Version));
        var merged = listed.Single(d => d.Label == runningAsCarded);
        Assert.Equal(("n1", "training", true, 1L, 5L), (merged.Node, merged.State, merged.Loaded, merged.Version, merged.PredictionsServed));
        Assert.Equal(("", "stored"), (listed.Single(d => d.Label == "label-00001").Node, listed.Single(d => d.Label == "label-00001").State));
        Assert.Equal("idle", listed.Single(d => d.Label == uncarded).State); // described by its (woken) entity
        Assert.All(listed, d => Assert.Empty(d.Summary!.InputFeatures));
        // Only the label without a card was woken (and the one running a newer version described); the uncarded label's
        // card is written for the next listing.
        Assert.Equal([uncarded], RegionStandIn.Woken.Where(id => id != running).Distinct());
        Assert.Contains(running, RegionStandIn.Woken);
        await AwaitConditionAsync(async () => (await withoutCard.CardsAsync([uncarded]))[0] is not null, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_label_forgotten_while_the_listing_describes_it_is_not_listed_again_from_the_card_the_listing_writes()
    {
        var inner = new InMemoryModelCatalog();
        await inner.AddAsync("kept", Card("kept", 1));
        await inner.AddAsync("forgotten", Card("forgotten", 1));
        var catalog = new ForgottenWhileDescribed(inner, "forgotten");
        var region = Sys.ActorOf(Props.Create(() => new RegionStandIn("none", "none")));
        var directory = Sys.ActorOf(ModelDirectory.Props(region, catalog, TimeSpan.FromSeconds(20), "n1"), ModelDirectory.Name);

        var first = await directory.Ask<ModelList>(new ListModels(), TimeSpan.FromSeconds(30));
        Assert.Equal(["forgotten", "kept"], first.Models.Select(d => d.Label).Order(StringComparer.Ordinal));
        await catalog.Written.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["kept"], await inner.AllAsync());
        var second = await directory.Ask<ModelList>(new ListModels(), TimeSpan.FromSeconds(30));
        Assert.Equal(["kept"], second.Models.Select(d => d.Label));
    }

    private static ModelCard Card(string id, long version) => RedisModelCatalogTests.Card(id, version);

    /// <summary>The catalog, except that one label has no card (as if stored before cards existed).</summary>
    private sealed class WithoutCard(InMemoryModelCatalog inner, string id) : IModelCatalog
    {
        private bool _healed;
        public Task AddAsync(string modelId, ModelCard card)
        {
            if (modelId == id) _healed = true;
            return inner.AddAsync(modelId, card);
        }
        public Task RemoveAsync(string modelId) => inner.RemoveAsync(modelId);
        public Task RefreshCardAsync(string modelId, ModelCard card)
        {
            if (modelId == id) _healed = true;
            return inner.RefreshCardAsync(modelId, card);
        }
        public Task<IReadOnlyList<string>> AllAsync() => inner.AllAsync();
        public Task<long> GenerationAsync() => inner.GenerationAsync();
        public async Task<IReadOnlyList<ModelCard?>> CardsAsync(IReadOnlyList<string> modelIds)
        {
            var cards = await inner.CardsAsync(modelIds);
            return modelIds.Select((m, i) => m == id && !_healed ? null : cards[i]).ToList();
        }
    }

    /// <summary>The catalog, except that one label has no card, and that label is forgotten (removed) just before the
    /// listing writes the card made from its description: the forget lands between the describe and the write.</summary>
    private sealed class ForgottenWhileDescribed(InMemoryModelCatalog inner, string id) : IModelCatalog
    {
        public readonly TaskCompletionSource Written = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task AddAsync(string modelId, ModelCard card) => Write(modelId, () => inner.AddAsync(modelId, card));
        public Task RefreshCardAsync(string modelId, ModelCard card) => Write(modelId, () => inner.RefreshCardAsync(modelId, card));
        public Task RemoveAsync(string modelId) => inner.RemoveAsync(modelId);
        public Task<IReadOnlyList<string>> AllAsync() => inner.AllAsync();
        public Task<long> GenerationAsync() => inner.GenerationAsync();
        public async Task<IReadOnlyList<ModelCard?>> CardsAsync(IReadOnlyList<string> modelIds)
        {
            var cards = await inner.CardsAsync(modelIds);
            return modelIds.Select((m, i) => m == id ? null : cards[i]).ToList();
        }

        private async Task Write(string modelId, Func<Task> write)
        {
            if (modelId != id) { await write(); return; }
            await inner.RemoveAsync(id);
            await write();
            Written.TrySetResult();
        }
    }

    /// <summary>A shard region holding two running entities (the first at version 2, the second at its card's version 1,
    /// training); any other label it is asked to describe in full is woken.</summary>
    private sealed class RegionStandIn : ReceiveActor
    {
        public static readonly List<string> Woken = [];

        public RegionStandIn(string running, string runningAsCarded)
        {
            Receive<GetShardRegionState>(_ => Sender.Tell(new CurrentShardRegionState(
                [new ShardState("7", [running]), new ShardState("8", [runningAsCarded])], [])));
            Receive<DescribeLive>(m => Sender.Tell(m.ModelId == running
                ? new LiveModel(m.ModelId, true, 2, true, "idle", 0)
                : new LiveModel(m.ModelId, true, 1, true, "training", 5)));
            Receive<DescribeModel>(m =>
            {
                lock (Woken) Woken.Add(m.ModelId);
                Sender.Tell(new ModelDescription(m.ModelId, true, 2,
                    new ModelSummary { Label = m.ModelId, InputFeatures = ["a", "b"] },
                    new ModelMetrics(91.5, null, null, null, null, null, null, null, null, null, 10, 5, 1), DateTimeOffset.UnixEpoch,
                    "n1", m.ModelId == running, "idle", 0));
            });
        }
    }
}
