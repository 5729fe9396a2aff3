// How fast a dead or cut-off node is noticed, downed and its shards moved, and which side of a partition survives.
// Every value can be set per node (all nodes of one cluster must agree); the defaults follow from the cluster size.
namespace AntiNex.Cluster;

public enum DowningStrategy
{
    /// <summary>The side with more model nodes survives; an even split keeps the side with the lowest address.</summary>
    KeepMajority,
    /// <summary>The side with the oldest member survives (down-if-alone: an oldest left alone is downed instead).</summary>
    KeepOldest,
}

public sealed record FailureDetection
{
    /// <summary>Model nodes the cluster is planned for; it picks the default stable-after and removal margin.</summary>
    public int ClusterSize { get; init; } = 3;
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Missing heartbeats tolerated before a node is marked unreachable (GC pauses, a loaded machine).</summary>
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>null = <see cref="StableAfterFor"/>(ClusterSize).</summary>
    public TimeSpan? StableAfter { get; init; }
    /// <summary>null = <see cref="RemovalMarginFor"/>(stable-after). Too short, and a shard of a cut-off node may run on
    /// both sides for a moment: its journal writes then fail on one side (sequence conflict) instead of losing data.</summary>
    public TimeSpan? DownRemovalMargin { get; init; }
    public DowningStrategy Strategy { get; init; } = DowningStrategy.KeepMajority;
    /// <summary>How often a shard region re-asks for a shard's home or re-registers with a moved coordinator.</summary>
    public TimeSpan ShardRetryInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest wait for a shard's entities to stop when it moves (a snapshot being written finishes first).</summary>
    public TimeSpan HandOffTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan EffectiveStableAfter => StableAfter ?? StableAfterFor(ClusterSize);
    public TimeSpan EffectiveRemovalMargin => DownRemovalMargin ?? RemovalMarginFor(EffectiveStableAfter);

    /// <summary>Akka's rule of thumb (5 nodes: 7 s, 10: 10 s, 20: 13 s, 50: 17 s, 100: 20 s, 1000: 30 s) is about 3 s more
    /// per doubling of the cluster (7 + 3·log2(N/5), rounded slightly down, matches every row); below 5 nodes the same
    /// slope gives 4 s for 3 nodes. Never under 4 s (a shorter window downs nodes that only paused), never over 30 s.</summary>
    public static TimeSpan StableAfterFor(int clusterSize)
    {
        var seconds = 7 + 3 * Math.Log2(Math.Max(1, clusterSize) / 5.0);
        return TimeSpan.FromSeconds(Math.Clamp(Math.Round(seconds - 0.3), 4, 30));
    }

    /// <summary>Half of stable-after, at least 2 s: the downed side stops its entities within that time (its own SBR downs
    /// it at about the same moment, and stopping takes about a second). Akka's own default is the whole stable-after; shorter
    /// brings the writer back sooner, and a copy that outlives the margin cannot lose data silently: the journal refuses
    /// its writes (sequence conflict), so its persist fails.</summary>
    public static TimeSpan RemovalMarginFor(TimeSpan stableAfter)
        => TimeSpan.FromSeconds(Math.Max(2, Math.Ceiling(stableAfter.TotalSeconds / 2)));

    public static DowningStrategy ParseStrategy(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "keep-majority" => DowningStrategy.KeepMajority,
        "keep-oldest" => DowningStrategy.KeepOldest,
        _ => throw new ArgumentException($"Downing: '{text}' is not a strategy (keep-majority or keep-oldest)"),
    };

    /// <summary>The settings a member without a settings file reads (a gateway): the same <c>ANTINEX_*</c> variables the
    /// nodes take. A gateway can be the cluster's leader, which runs the split-brain resolver, and it watches heartbeats
    /// too: with other timings than the nodes', the two sides of a partition would decide differently.</summary>
    public static FailureDetection FromVariables(Func<string, string?> read)
    {
        string? Value(string key) => read("ANTINEX_" + key) is { } v && !string.IsNullOrWhiteSpace(v) ? v : null;
        TimeSpan? Optional(string key) => Value(key) is { } v ? Requests.DurationText.Parse(v, "ANTINEX_" + key) : null;
        var d = new FailureDetection();
        var size = d.ClusterSize;
        if (Value("ClusterSize") is { } raw && (!int.TryParse(raw, out size) || size is < 1 or > 10_000))
            throw new ArgumentException($"ANTINEX_ClusterSize: '{raw}' is not an integer in [1, 10000]");
        return d with
        {
            ClusterSize = size,
            StableAfter = Optional("StableAfter"),
            DownRemovalMargin = Optional("DownRemovalMargin"),
            HeartbeatInterval = Optional("HeartbeatInterval") ?? d.HeartbeatInterval,
            AcceptableHeartbeatPause = Optional("AcceptableHeartbeatPause") ?? d.AcceptableHeartbeatPause,
            Strategy = ParseStrategy(Value("Downing")),
        };
    }

    public string Describe() =>
        $"{(Strategy == DowningStrategy.KeepMajority ? "keep-majority" : "keep-oldest")}, stable-after {EffectiveStableAfter.TotalSeconds:0.#} s, " +
        $"removal margin {EffectiveRemovalMargin.TotalSeconds:0.#} s, heartbeat {HeartbeatInterval.TotalSeconds:0.#} s, " +
        $"acceptable pause {AcceptableHeartbeatPause.TotalSeconds:0.#} s (cluster size {ClusterSize})";

    /// <summary>Keep-oldest with down-if-alone, as seen from one side of a partition: <paramref name="reachable"/> members
    /// there (the viewer included), <paramref name="unreachable"/> on the other side; whether that side is kept.</summary>
    public static bool KeepOldestKeeps(bool oldestReachable, int reachable, int unreachable)
        => oldestReachable ? !(reachable == 1 && unreachable > 1) : unreachable == 1 && reachable > 1;
}
