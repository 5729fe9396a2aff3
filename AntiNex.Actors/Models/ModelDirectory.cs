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
        // The asks run as a task whose result is piped to the caller: the mailbox never waits for them, so lists
        // asked by several consoles at once are gathered side by side.
        Receive<ListModels>(_ => Gather(region, catalog, describeTimeout, log).PipeTo(Sender));
    }

    public static Props Props(IActorRef region, IModelCatalog catalog, TimeSpan describeTimeout)
        => Akka.Actor.Props.Create(() => new ModelDirectory(region, catalog, describeTimeout));

    private static async Task<object> Gather(IActorRef region, IModelCatalog catalog, TimeSpan describeTimeout, ILoggingAdapter log)
    {
        try
        {
            var ids = await catalog.AllAsync().ConfigureAwait(false);
            var results = await Task.WhenAll(ids.Select(async id =>
            {
                try { return (id, (object)await region.Ask<ModelDescription>(new DescribeModel(id), describeTimeout).ConfigureAwait(false)); }
                catch (Exception ex) { return (id, ex); }
            })).ConfigureAwait(false);
            return new ModelList(
                results.Select(r => r.Item2).OfType<ModelDescription>().Where(d => d.Trained).ToList(),
                results.Where(r => r.Item2 is Exception).Select(r => r.id).ToList());
        }
        catch (Exception ex)
        {
            log.Warning("list models failed: {0}", ex.Message);
            return new Status.Failure(ex);
        }
    }
}
