using Akka.Actor;
using AntiNex.Models;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Models;

/// <summary>The catalog lists what is stored; listings and the replicas' audit go by it. A version whose catalog write
/// failed (the store blinked just after the model was saved) is written again until it takes, also by the label's next
/// holder when it wakes; a forget in between ends the retries instead of listing the label again.</summary>
public sealed class CatalogRetryTests : EntityTestKit
{
    private readonly FailingAdds _catalog = new(new InMemoryModelCatalog());

    public CatalogRetryTests()
    {
        Catalog = _catalog;
    }

    [Fact]
    public async Task A_failed_catalog_write_is_retried_until_the_label_is_listed()
    {
        _catalog.FailNext = 2;
        var entity = Entity("blobs");
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.Equal(1, Assert.IsType<ModelTrainedReply>(await Final(trainer)).Version);

        await Eventually.Equal(1L, async () => (await Catalog.CardsAsync(["blobs"]))[0]?.Version ?? 0, TimeSpan.FromSeconds(20));
        Assert.Equal(["blobs"], await Catalog.AllAsync());
        Assert.Equal(3, _catalog.Adds);
    }

    [Fact]
    public async Task A_forget_ends_the_retries()
    {
        _catalog.FailNext = int.MaxValue;
        // No shard stand-in: the forget's passivation is not carried out, so this same entity gets the pending retry.
        var entity = Sys.ActorOf(ModelEntity.Props("blobs", Runtime));
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.IsType<ModelTrainedReply>(await Final(trainer));
        await Eventually.Equal(true, () => Task.FromResult(_catalog.Adds >= 1), TimeSpan.FromSeconds(20));
        Assert.True((await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20))).Existed);

        _catalog.FailNext = 0; // the store is back: a retry now would list the forgotten label again
        await Task.Delay(TimeSpan.FromSeconds(5)); // past the next retries (1 s, then 2 s)
        Assert.Empty(await Catalog.AllAsync());
    }

    [Fact]
    public async Task A_label_that_wakes_with_a_model_the_catalog_does_not_list_is_listed_again()
    {
        _catalog.FailNext = int.MaxValue;
        var stopped = CreateTestProbe();
        var entity = Entity("blobs", stopped.Ref);
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.IsType<ModelTrainedReply>(await Final(trainer));
        entity.Tell(StopEntity.Instance); // a hand-off: the pending retry goes with this incarnation
        await stopped.ExpectMsgAsync<EntityStopped>(TimeSpan.FromSeconds(20));
        Assert.Empty(await Catalog.AllAsync());

        _catalog.FailNext = 0;
        Assert.Equal(1, (await Describe(entity, "blobs")).Version); // wakes the label on its next holder
        await Eventually.Equal(1L, async () => (await Catalog.CardsAsync(["blobs"]))[0]?.Version ?? 0, TimeSpan.FromSeconds(20));
        Assert.Equal(["blobs"], await Catalog.AllAsync());
    }

    /// <summary>A catalog whose next adds fail (a store that blinks); everything else goes through.</summary>
    private sealed class FailingAdds(IModelCatalog inner) : IModelCatalog
    {
        private int _adds;
        public int FailNext { get; set; }
        public int Adds => Volatile.Read(ref _adds);

        public Task AddAsync(string modelId, ModelCard card)
        {
            Interlocked.Increment(ref _adds);
            if (FailNext > 0)
            {
                FailNext--;
                return Task.FromException(new InvalidOperationException("store unavailable (by design of the test)"));
            }
            return inner.AddAsync(modelId, card);
        }

        public Task RemoveAsync(string modelId) => inner.RemoveAsync(modelId);
        public Task RefreshCardAsync(string modelId, ModelCard card) => inner.RefreshCardAsync(modelId, card);
        public Task<long> GenerationAsync() => inner.GenerationAsync();
        public Task<IReadOnlyList<string>> AllAsync() => inner.AllAsync();
        public Task<IReadOnlyList<ModelCard?>> CardsAsync(IReadOnlyList<string> modelIds) => inner.CardsAsync(modelIds);
    }
}
