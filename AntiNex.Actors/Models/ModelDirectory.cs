// One per model node (/user/model-directory): lists every model in the catalog by asking each entity to describe
// itself through the shard region (which wakes passivated ones: describe needs only the snapshot's metadata).
using Akka.Actor;
using Akka.Event;

namespace AntiNex.Models;

public sealed class ModelDirectory : ReceiveActor
{
    public const string Name = "model-directory";

    public ModelDirectory(IActorRef region, IModelCatalog catalog, TimeSpan describeTimeout)
    {
        var log = Context.GetLogger();
        ReceiveAsync<ListModels>(async _ =>
        {
            var replyTo = Sender;
            try
            {
                var ids = await catalog.AllAsync();
                var asks = ids.Select(async id =>
                {
                    try { return (id, (object)await region.Ask<ModelDescription>(new DescribeModel(id), describeTimeout)); }
                    catch (Exception ex) { return (id, ex); }
                }).ToList();
                var results = await Task.WhenAll(asks);
                replyTo.Tell(new ModelList(
                    results.Select(r => r.Item2).OfType<ModelDescription>().Where(d => d.Trained).ToList(),
                    results.Where(r => r.Item2 is Exception).Select(r => r.id).ToList()));
            }
            catch (Exception ex)
            {
                log.Warning("list models failed: {0}", ex.Message);
                replyTo.Tell(new Status.Failure(ex));
            }
        });
    }

    public static Props Props(IActorRef region, IModelCatalog catalog, TimeSpan describeTimeout)
        => Akka.Actor.Props.Create(() => new ModelDirectory(region, catalog, describeTimeout));
}
