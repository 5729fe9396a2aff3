using Akka.Cluster.Sharding;

namespace AntiNex.Models;

/// <summary>
/// Routes <see cref="IModelCommand"/>s by model id. 100 shards: about 10x the largest cluster we plan for (the usual
/// rule of thumb), so rebalancing onto a new node moves small slices, while the coordinator's state stays tiny.
/// The shard of an id is MurmurHash-based (stable across processes), so every node and gateway agree. Changing the
/// shard count needs a full cluster restart (the snapshots do not depend on it).
/// </summary>
public sealed class ModelMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 100;

    public override string? EntityId(object message) => (message as IModelCommand)?.ModelId;
}
