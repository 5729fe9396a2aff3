// One per model node (/user/model-directory): lists the models of the catalog, a page at a time. A label's entry is its
// card from the catalog (no entity is woken: listing 10,000 labels must not load 10,000 snapshots), with the running
// entity's state (node, loaded, phase, predictions served) when the entity runs somewhere: every model node's directory
// is asked which of the page's labels run on its node, and its entities answer with those few fields only. Labels
// without a card (stored before cards existed), or whose running version is newer than their card, are described by
// their entity, which wakes it, and their card is written for the next listing, without listing the label again
// (a forget that lands after the describe wins) and never over a newer version's card.
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace AntiNex.Models;

public sealed class ModelDirectory : ReceiveActor
{
    public const string Name = "model-directory";
    private static readonly TimeSpan LiveTimeout = TimeSpan.FromSeconds(5);

    public ModelDirectory(IActorRef region, IModelCatalog catalog, TimeSpan describeTimeout, string node)
    {
        var log = Context.GetLogger();
        var system = Context.System;
        // The asks run as tasks whose result is piped to the caller: the mailbox never waits for them, so lists
        // asked by several consoles at once are gathered side by side.
        Receive<ListModels>(m => Gather(m, system, region, catalog, describeTimeout, log).PipeTo(Sender));
        Receive<ListLiveModels>(m =>
        {
            var replyTo = Sender;
            region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, LiveTimeout)
                .PipeTo(Self, success: state => new RegionState(m.ModelIds, state, replyTo),
                    failure: _ => new RegionState(m.ModelIds, null, replyTo));
        });
        Receive<RegionState>(m =>
        {
            var running = m.State?.Shards.SelectMany(s => s.EntityIds).ToHashSet(StringComparer.Ordinal) ?? [];
            var local = m.Ids.Where(running.Contains).ToList();
            Context.ActorOf(LiveGather.Props(local, region, node, m.ReplyTo, LiveTimeout - TimeSpan.FromSeconds(1)));
        });
    }

    public static Props Props(IActorRef region, IModelCatalog catalog, TimeSpan describeTimeout, string node = "")
        => Akka.Actor.Props.Create(() => new ModelDirectory(region, catalog, describeTimeout, node));

    private static async Task<object> Gather(ListModels request, ActorSystem system, IActorRef region, IModelCatalog catalog,
        TimeSpan describeTimeout, ILoggingAdapter log)
    {
        try
        {
            var all = await catalog.AllAsync().ConfigureAwait(false);
            var after = request.After is null ? all : all.Where(id => string.CompareOrdinal(id, request.After) > 0);
            var page = (request.Limit > 0 ? after.Take(request.Limit) : after).ToList();
            var more = request.Limit > 0 && page.Count == request.Limit && string.CompareOrdinal(all[^1], page[^1]) > 0;
            var cards = await catalog.CardsAsync(page).ConfigureAwait(false);
            // A node that is slow to answer must not hold the listing for long: its labels then show their cards.
            var live = await LiveAsync(system, page, describeTimeout < LiveTimeout ? describeTimeout : LiveTimeout).ConfigureAwait(false);

            var described = new List<ModelDescription>(page.Count);
            var unreachable = new List<string>();
            var uncarded = new List<string>();
            for (var i = 0; i < page.Count; i++)
            {
                var isRunning = live.TryGetValue(page[i], out var running);
                if (isRunning && !running.Model.Trained) continue;
                if (cards[i] is not { } card || (isRunning && running.Model.Version != card.Version)) uncarded.Add(page[i]);
                else if (!isRunning) described.Add(card.ToDescription());
                else described.Add(card.ToDescription() with
                {
                    Node = running.Node,
                    Loaded = running.Model.Loaded,
                    State = running.Model.State,
                    PredictionsServed = running.Model.PredictionsServed,
                });
            }
            foreach (var (id, reply) in await Task.WhenAll(uncarded.Select(async id =>
                     {
                         try
                         {
                             return (id, (object)await region.Ask<ModelDescription>(new DescribeModel(id), describeTimeout).ConfigureAwait(false));
                         }
                         catch (Exception ex) { return (id, ex); }
                     })).ConfigureAwait(false))
            {
                if (reply is not ModelDescription d) { unreachable.Add(id); continue; }
                described.Add(d);
                if (d is { Trained: true, Summary: { } s, Metrics: { } m, TrainedUtc: { } at })
                    _ = catalog.RefreshCardAsync(id, new ModelCard(d.Version, at, StoredModelSummary.From(s).Slim(),
                        StoredModelMetrics.From(m) with { ConfusionMatrix = null, ClassNames = null }));
            }
            return new ModelList(described.Where(d => d.Trained).Select(ModelCard.Slim).ToList(), unreachable)
            {
                Next = more ? page[^1] : null,
            };
        }
        catch (Exception ex)
        {
            log.Warning("list models failed: {0}", ex.Message);
            return new Status.Failure(ex);
        }
    }

    /// <summary>The page's labels whose entities run on some model node, with that node, by label. A node that does not
    /// answer in time contributes nothing: its labels are listed from their cards.</summary>
    private static async Task<Dictionary<string, (LiveModel Model, string Node)>> LiveAsync(ActorSystem system, IReadOnlyList<string> ids,
        TimeSpan timeout)
    {
        // A single process without a cluster (development) has only its own directory.
        var directories = ((ExtendedActorSystem)system).Provider is ClusterActorRefProvider
            ? Akka.Cluster.Cluster.Get(system).State.Members
                .Where(m => m.Status == MemberStatus.Up && m.HasRole(Replicas.ReplicaKeeper.ModelRole))
                .Select(m => system.ActorSelection(new RootActorPath(m.Address) / "user" / Name)).ToList()
            : [system.ActorSelection("/user/" + Name)];
        var request = new ListLiveModels(ids);
        var replies = await Task.WhenAll(directories.Select(async directory =>
        {
            try
            {
                return await directory.Ask<LiveModels>(request, timeout).ConfigureAwait(false);
            }
            catch (Exception) { return null; }
        })).ConfigureAwait(false);
        var byId = new Dictionary<string, (LiveModel, string)>(StringComparer.Ordinal);
        foreach (var reply in replies.OfType<LiveModels>())
            foreach (var m in reply.Models) byId[m.ModelId] = (m, reply.Node);
        return byId;
    }

    /// <summary>The region's answer to a <see cref="ListLiveModels"/> (null: it did not answer), back in the mailbox.</summary>
    private sealed record RegionState(IReadOnlyList<string> Ids, CurrentShardRegionState? State, IActorRef ReplyTo);
}
