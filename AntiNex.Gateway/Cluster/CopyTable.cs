// The gateway's view of where each label can be answered: its writer (the sharded entity, reached through the shard
// region proxy) and its read-only replicas, with the version each serves. Read on every predict without locks.
using System.Collections.Immutable;
using Akka.Actor;

namespace AntiNex.Gateway.Cluster;

public sealed record ReplicaCopy(string Address, string Node, IActorRef Keeper, long Version);

public sealed class CopyTable
{
    private ImmutableDictionary<string, ImmutableList<ReplicaCopy>> _replicas = ImmutableDictionary<string, ImmutableList<ReplicaCopy>>.Empty;
    private ImmutableDictionary<string, string> _writers = ImmutableDictionary<string, string>.Empty;
    private ImmutableDictionary<string, long> _newest = ImmutableDictionary<string, long>.Empty;
    private ImmutableDictionary<string, long> _suspectUntil = ImmutableDictionary<string, long>.Empty;
    private ImmutableDictionary<string, IActorRef> _keepers = ImmutableDictionary<string, IActorRef>.Empty;

    /// <summary>A label was forgotten: copies kept outside the cluster (serve's local copies) drop it.</summary>
    public event Action<string>? Forgotten;

    /// <summary>Newest version seen for the label (announcements, replies): no replica's older answer is returned; the
    /// writer's answer sets it (<see cref="WriterServes"/>).</summary>
    public long Newest(string modelId) => _newest.GetValueOrDefault(modelId);

    public void Observe(string modelId, long version)
    {
        while (true)
        {
            var current = _newest;
            if (version <= current.GetValueOrDefault(modelId)) return;
            if (Interlocked.CompareExchange(ref _newest, current.SetItem(modelId, version), current) == current) return;
        }
    }

    /// <summary>The writer answered with this version: it is the newest, even below one seen before.</summary>
    public void WriterServes(string modelId, long version) => ImmutableInterlocked.AddOrUpdate(ref _newest, modelId, version, (_, _) => version);

    public void Forget(string modelId)
    {
        ImmutableInterlocked.TryRemove(ref _newest, modelId, out _);
        Forgotten?.Invoke(modelId);
    }

    /// <summary>The reachable model nodes' replica keepers, the label's writer's first (they hand out artifacts).</summary>
    public IReadOnlyList<IActorRef> Keepers(string modelId)
    {
        var keepers = _keepers;
        var writer = Writer(modelId);
        return keepers.OrderBy(k => k.Key == writer ? 0 : 1).ThenBy(_ => Random.Shared.Next()).Select(k => k.Value).ToList();
    }

    /// <summary>Replicas serving the newest version, in a rotating order so load spreads over them.</summary>
    public IReadOnlyList<ReplicaCopy> Current(string modelId)
    {
        if (!_replicas.TryGetValue(modelId, out var all) || all.IsEmpty) return [];
        var newest = Newest(modelId);
        var usable = all.Where(c => c.Version >= newest).ToList();
        if (usable.Count < 2) return usable;
        var start = (int)((uint)Environment.TickCount % usable.Count);
        return usable.Skip(start).Concat(usable.Take(start)).ToList();
    }

    /// <summary>Member address of the label's writer when a reachable node reported it.</summary>
    public string? Writer(string modelId) => _writers.GetValueOrDefault(modelId);

    /// <summary>The writer did not answer in time lately: ask a replica first for a short while.</summary>
    public void SuspectWriter(string modelId, TimeSpan forHowLong)
        => ImmutableInterlocked.AddOrUpdate(ref _suspectUntil, modelId, Environment.TickCount64 + (long)forHowLong.TotalMilliseconds,
            (_, _) => Environment.TickCount64 + (long)forHowLong.TotalMilliseconds);

    public bool WriterSuspect(string modelId) => _suspectUntil.TryGetValue(modelId, out var until) && until > Environment.TickCount64;

    /// <summary>Replaces the copies from the reports of the reachable model nodes.</summary>
    internal void Rebuild(IEnumerable<AntiNex.Replicas.CopiesHeld> reports)
    {
        var replicas = new Dictionary<string, List<ReplicaCopy>>();
        var writers = new Dictionary<string, string>();
        var keepers = new Dictionary<string, IActorRef>();
        foreach (var r in reports)
        {
            keepers[r.Address] = r.Keeper;
            foreach (var id in r.Writers) writers[id] = r.Address;
            foreach (var (id, version) in r.Replicas)
            {
                if (!replicas.TryGetValue(id, out var list)) replicas[id] = list = [];
                list.Add(new ReplicaCopy(r.Address, r.Node, r.Keeper, version));
                Observe(id, version);
            }
        }
        _replicas = replicas.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutableList());
        _writers = writers.ToImmutableDictionary();
        _keepers = keepers.ToImmutableDictionary();
    }
}
