// Hosting of the read replicas on a model node, beside the model shards it needs (the shard region).
using Akka.Hosting;
using AntiNex.Models;
using AntiNex.Replicas;

namespace AntiNex.Cluster;

public static class ReplicaHosting
{
    /// <summary>The replica keeper of a model node; <paramref name="replicas"/> = copies per label besides the writer.</summary>
    public static AkkaConfigurationBuilder WithModelReplicas(this AkkaConfigurationBuilder builder,
        ModelRuntime runtime, int replicas, TimeSpan? announceEvery = null)
    {
        builder.WithActors((system, registry) =>
            system.ActorOf(ReplicaKeeper.Props(registry.Get<ModelRegion>(), runtime, replicas, announceEvery ?? TimeSpan.FromSeconds(1)),
                ReplicaKeeper.Name));
        return builder;
    }
}
