// What model nodes tell each other and the gateways about the copies of each label they hold: the label's writer (its
// sharded entity) and read-only replicas of its current version. Sent over DistributedPubSub topics.
using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Replicas;

public static class ReplicaTopics
{
    /// <summary>Every node's <see cref="CopiesHeld"/>, about once a second and after each replica switch.</summary>
    public const string Copies = "antinex-model-copies";
    /// <summary><see cref="CopyVersionChanged"/>: a writer stored a new version (or forgot the label).</summary>
    public const string Versions = "antinex-model-versions";
}

/// <summary>One model node's copies: labels whose writer runs there, and its replicas with their loaded version.
/// <paramref name="Keeper"/> takes predicts for the replicas (<see cref="ReplicaKeeper"/>).</summary>
public sealed record CopiesHeld(string Address, string Node, IActorRef Keeper, IReadOnlyList<string> Writers,
    IReadOnlyDictionary<string, long> Replicas) : IAntiNexMessage;

/// <summary>The writer of <paramref name="ModelId"/> on <paramref name="Node"/> serves <paramref name="Version"/> now
/// (or forgot the label). Replicas load it, then switch; gateways stop using older copies.</summary>
public sealed record CopyVersionChanged(string ModelId, long Version, bool Forgotten, string Node) : IAntiNexMessage;
