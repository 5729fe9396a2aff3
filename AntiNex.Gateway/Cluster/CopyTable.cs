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
    private ImmutableDictionary<string, long> _writerLostUntil = ImmutableDictionary<string, long>.Empty;
    private ImmutableDictionary<string, long> _forgottenUntil = ImmutableDictionary<string, long>.Empty;

    /// <summary>How long a forgotten label's copies in older reports are ignored (a node reports every few seconds; a new
    /// version notice lifts it at once).</summary>
    internal static readonly TimeSpan ForgottenFor = TimeSpan.FromSeconds(30);
    /// <summary>How long a writer whose node became unreachable is asked second at most, unless a reachable node reports the
    /// label's writer sooner (the entity recovered elsewhere).</summary>
    internal static readonly TimeSpan WriterLostFor = TimeSpan.FromSeconds(60);

    /// <summary>A label was forgotten: copies kept outside the cluster (serve's local copies) drop it.</summary>
    public event Action<string>? Forgotten;

    /// <summary>Newest version seen for the label (announcements, replies): no replica's older answer is returned; the
    /// writer's answer sets it (<see cref="WriterServes"/>).</summary>
    public long Newest(string modelId) => _newest.GetValueOrDefault(modelId);

    public void Observe(string modelId, long version)
    {
        if (Tombstoned(modelId)) return;
        while (true)
        {
            var current = _newest;
            if (version <= current.GetValueOrDefault(modelId)) return;
            if (Interlocked.CompareExchange(ref _newest, current.SetItem(modelId, version), current) == current) return;
        }
    }

    /// <summary>The writer answered with this version: it is the newest, even below one seen before.</summary>
    public void WriterServes(string modelId, long version) => ImmutableInterlocked.AddOrUpdate(ref _newest, modelId, version, (_, _) => version);

    /// <summary>A node announced a new version: a tombstone from an earlier forget no longer applies.</summary>
    public void Announced(string modelId, long version)
    {
        ImmutableInterlocked.TryRemove(ref _forgottenUntil, modelId, out _);
        Observe(modelId, version);
    }

    public void Forget(string modelId)
    {
        // Other nodes' reports sent before they heard of the forget would list its copies (and raise its version) again.
        ImmutableInterlocked.AddOrUpdate(ref _forgottenUntil, modelId, Until(ForgottenFor), (_, _) => Until(ForgottenFor));
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

    /// <summary>The writers a node held when it became unreachable: asked second until a reachable node reports the label's
    /// writer again (or <see cref="WriterLostFor"/> passes).</summary>
    public void WritersUnreachable(IEnumerable<string> modelIds)
    {
        foreach (var id in modelIds)
            ImmutableInterlocked.AddOrUpdate(ref _writerLostUntil, id, Until(WriterLostFor), (_, _) => Until(WriterLostFor));
    }

    /// <summary>Ask a replica first: the writer was slow lately, or its node is unreachable.</summary>
    public bool WriterSuspect(string modelId)
        => (_suspectUntil.TryGetValue(modelId, out var until) && until > Environment.TickCount64)
           || (_writerLostUntil.TryGetValue(modelId, out var lost) && lost > Environment.TickCount64);

    private bool Tombstoned(string modelId) => _forgottenUntil.TryGetValue(modelId, out var until) && until > Environment.TickCount64;

    private static long Until(TimeSpan span) => Environment.TickCount64 + (long)span.TotalMilliseconds;

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
                if (Tombstoned(id)) continue;
                if (!replicas.TryGetValue(id, out var list)) replicas[id] = list = [];
                list.Add(new ReplicaCopy(r.Address, r.Node, r.Keeper, version));
                Observe(id, version);
            }
        }
        _replicas = replicas.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.ToImmutableList());
        _writers = writers.ToImmutableDictionary();
        _keepers = keepers.ToImmutableDictionary();
        var now = Environment.TickCount64;
        foreach (var (id, until) in _writerLostUntil)
            if (writers.ContainsKey(id) || until <= now) ImmutableInterlocked.TryRemove(ref _writerLostUntil, id, out _);
        foreach (var (id, until) in _forgottenUntil)
            if (until <= now) ImmutableInterlocked.TryRemove(ref _forgottenUntil, id, out _);
    }
}
