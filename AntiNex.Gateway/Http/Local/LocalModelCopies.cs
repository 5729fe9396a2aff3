// `serve`'s own read copies of the labels it answers most: single and small infers are scored in process, without a
// round trip to a model node. The zero-downtime rules of the node replicas hold here too:
// - a copy answers only while its version is the newest this gateway knows of (version notices, copy reports, replies,
//   and the reply of every train sent through this gateway), so after a train's reply no older copy answers;
// - a new version is loaded beside the old one and switched to only once loaded; the old one is disposed a little later
//   (an infer that took it just before the switch finishes first);
// - whenever there is no usable copy (missing, stale, loading) the caller goes the cluster way, and a load starts.
// At most `capacity` labels are kept (least recently used out); 0 turns local copies off.
using System.Collections.Concurrent;
using AntiNex.Gateway.Cluster;
using AntiNex.Learning;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Http.Local;

public sealed class LocalModelCopies : IDisposable
{
    private static readonly TimeSpan RetireAfter = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RetryAtMost = TimeSpan.FromSeconds(10);

    // One torch thread, as on the nodes: small forward passes gain nothing from more, and idle pool threads spin. The
    // single and small infers a local copy answers run their forward pass in managed code (no native call, no lock).
    private static readonly EngineOptions OneThread = new() { TorchThreads = 1, SmallForwardsInManagedCode = true };

    private readonly CopyTable _copies;
    private readonly FrameBudget _frame;
    private readonly int _capacity;
    private readonly ILogger? _log;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    public LocalModelCopies(CopyTable copies, FrameBudget frame, int capacity, string servedBy, ILogger? log = null)
    {
        ServedBy = servedBy;
        _copies = copies;
        _frame = frame;
        _capacity = capacity;
        _log = log;
        copies.Forgotten += Drop;
    }

    /// <summary>What a reply answered by a local copy names as its server.</summary>
    public string ServedBy { get; }

    /// <summary>Labels kept at most (0 = off).</summary>
    public int Capacity => _capacity;

    /// <summary>Labels with a loaded copy now.</summary>
    public int Loaded => _entries.Values.Count(e => e.Copy is not null);

    /// <summary>The label's copy when it serves the newest version known (at least <paramref name="atLeast"/>, e.g. the
    /// version a fresh description named); else null, and a load of the newest version starts in the background.</summary>
    public LocalCopy? Current(string modelId, long atLeast)
    {
        if (_capacity <= 0 || _disposed) return null;
        var entry = _entries.GetOrAdd(modelId, _ => new Entry());
        entry.LastUsed = Environment.TickCount64;
        var copy = entry.Copy;
        var newest = Math.Max(atLeast, _copies.Newest(modelId));
        if (copy is not null && copy.Version >= newest) return copy;
        entry.Wanted = Math.Max(entry.Wanted, newest);
        StartLoad(modelId, entry);
        if (_entries.Count > _capacity) Evict();
        return null;
    }

    private void StartLoad(string modelId, Entry entry)
    {
        if (Environment.TickCount64 < entry.RetryAt || Interlocked.CompareExchange(ref entry.Loading, 1, 0) != 0) return;
        _ = Task.Run(async () =>
        {
            try { await LoadAsync(modelId, entry).ConfigureAwait(false); }
            catch (Exception e)
            {
                _log?.LogWarning("local copy of '{Label}': {Error}", modelId, e.Message);
                Backoff(entry);
            }
            finally { Volatile.Write(ref entry.Loading, 0); }
        });
    }

    private async Task LoadAsync(string modelId, Entry entry)
    {
        var fetched = await ArtifactFetch.LatestAsync(_copies, _frame, modelId,
            why => _log?.LogInformation("local copy of '{Label}': {Why}", modelId, why)).ConfigureAwait(false);
        if (fetched is not { } f) { Backoff(entry); return; }
        if (f.Version <= (entry.Copy?.Version ?? 0) || f.Version < entry.Wanted || f.Version < _copies.Newest(modelId))
        {
            Backoff(entry); // the stored snapshot is not (yet) the version announced: read again shortly
            return;
        }
        var copy = new LocalCopy(modelId, f.Version, TrainedModel.Load(f.Bytes, OneThread), f.Node);
        if (_disposed || !_entries.TryGetValue(modelId, out var still) || !ReferenceEquals(still, entry))
        {
            copy.Model.Dispose(); // forgotten or evicted while loading
            return;
        }
        Retire(Interlocked.Exchange(ref entry.Copy, copy));
        entry.RetryAt = 0;
        entry.Retry = RetryAfter;
        // A drop (eviction, forget, disposal) between the check above and the exchange retired the entry's earlier copy,
        // not this one: whichever side takes it from the entry retires it, once.
        if (_disposed || !_entries.TryGetValue(modelId, out var kept) || !ReferenceEquals(kept, entry))
        {
            Retire(Interlocked.Exchange(ref entry.Copy, null));
            return;
        }
        _log?.LogInformation("local copy of '{Label}': serving version {Version} (artifact from {Node})", modelId, f.Version, f.Node);
    }

    private static void Backoff(Entry entry)
    {
        entry.RetryAt = Environment.TickCount64 + (long)entry.Retry.TotalMilliseconds;
        entry.Retry = TimeSpan.FromTicks(Math.Min(entry.Retry.Ticks * 2, RetryAtMost.Ticks));
    }

    private void Drop(string modelId)
    {
        if (_entries.TryRemove(modelId, out var entry)) Retire(Interlocked.Exchange(ref entry.Copy, null));
    }

    private void Evict()
    {
        foreach (var (id, _) in _entries.OrderBy(e => e.Value.LastUsed).Take(Math.Max(0, _entries.Count - _capacity)).ToList())
            Drop(id);
    }

    /// <summary>Disposed a little later: an infer that took the copy just before it was replaced finishes first (one that
    /// still loses the race gets ObjectDisposedException and goes the cluster way).</summary>
    private static void Retire(LocalCopy? copy)
    {
        if (copy is null) return;
        _ = Task.Delay(RetireAfter).ContinueWith(_ => copy.Model.Dispose(), TaskScheduler.Default);
    }

    public void Dispose()
    {
        _disposed = true;
        _copies.Forgotten -= Drop;
        foreach (var id in _entries.Keys.ToList())
            if (_entries.TryRemove(id, out var e)) Interlocked.Exchange(ref e.Copy, null)?.Model.Dispose();
    }

    private sealed class Entry
    {
        public volatile LocalCopy? Copy;
        public int Loading;
        public long LastUsed;
        public long RetryAt;
        public long Wanted;
        public TimeSpan Retry = RetryAfter;
    }
}
