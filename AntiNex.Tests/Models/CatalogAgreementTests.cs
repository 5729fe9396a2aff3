using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>The listing reads the catalog, which the entity writes after storing or forgetting a model. A caller who hears
/// the answer and lists the models at once must find the listing agrees, even when the catalog's store is slow.</summary>
public sealed class CatalogAgreementTests : EntityTestKit
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(1);

    public CatalogAgreementTests()
    {
        Catalog = new SlowWrites(new InMemoryModelCatalog());
    }

    [Fact]
    public async Task A_trained_then_a_forgotten_label_is_listed_so_by_the_time_its_caller_hears_it()
    {
        var entity = Entity("blobs");
        var trainer = CreateTestProbe();
        entity.Tell(new TrainModel("blobs", QuickRequest(), null, "r1"), trainer.Ref);
        Assert.Equal(1, Assert.IsType<ModelTrainedReply>(await Final(trainer)).Version);
        Assert.Equal(["blobs"], await Catalog.AllAsync());

        Assert.True((await entity.Ask<ModelForgotten>(new ForgetModel("blobs"), TimeSpan.FromSeconds(20))).Existed);
        Assert.Empty(await Catalog.AllAsync());
    }

    [Fact]
    public async Task A_label_a_predict_trained_first_is_listed_by_the_time_its_caller_hears_the_predictions()
    {
        var entity = Entity("blobs");
        var caller = CreateTestProbe();
        entity.Tell(new PredictModel("blobs", QuickRequest(), null, "p1", MayTrain: true), caller.Ref);
        var predicted = Assert.IsType<Predicted>(await Final(caller));
        Assert.True(predicted.TrainedFirst);
        Assert.Equal(["blobs"], await Catalog.AllAsync());
    }

    /// <summary>A catalog whose writes take a second (a slow or distant store); reads are immediate.</summary>
    private sealed class SlowWrites(IModelCatalog inner) : IModelCatalog
    {
        public async Task AddAsync(string modelId, ModelCard card)
        {
            await Task.Delay(Slow);
            await inner.AddAsync(modelId, card);
        }

        public async Task RemoveAsync(string modelId)
        {
            await Task.Delay(Slow);
            await inner.RemoveAsync(modelId);
        }

        public Task RefreshCardAsync(string modelId, ModelCard card) => inner.RefreshCardAsync(modelId, card);

        public Task<long> GenerationAsync() => inner.GenerationAsync();
        public Task<IReadOnlyList<string>> AllAsync() => inner.AllAsync();
        public Task<IReadOnlyList<ModelCard?>> CardsAsync(IReadOnlyList<string> modelIds) => inner.CardsAsync(modelIds);
    }
}
