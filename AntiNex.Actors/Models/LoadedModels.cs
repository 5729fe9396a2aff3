// Node-wide cap on models held in memory. Entities report use; when more than Max are loaded, the least recently
// used ones are asked to unload (they passivate; their state is in the snapshot store, so nothing is lost and the
// next message reloads them).
using Akka.Actor;

namespace AntiNex.Models;

public sealed class LoadedModels(int max)
{
    private readonly object _gate = new();
    private readonly LinkedList<(string Id, IActorRef Entity)> _lru = new();
    private readonly Dictionary<string, LinkedListNode<(string Id, IActorRef Entity)>> _index = new();
    /// <summary>When each entity was last asked to unload (Environment.TickCount64): one that is busy (training, storing)
    /// or already stopping is not asked again at every use of another model, only after <see cref="AskAgainAfter"/>.</summary>
    private readonly Dictionary<string, long> _askedAt = new();
    internal static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(10);

    public int Max { get; } = max < 1 ? throw new ArgumentOutOfRangeException(nameof(max), "max loaded models must be >= 1") : max;

    public int Count { get { lock (_gate) return _index.Count; } }

    /// <summary>As many models loaded as the cap allows: new replicas wait (writers, which callers wait for, come first).</summary>
    public bool Full => Count >= Max;

    /// <summary>Marks the model most recently used; returns the entities that must unload to respect the cap. A
    /// <paramref name="cold"/> model (a replica just loaded, which nobody has asked anything yet) joins at the least
    /// recently used end instead and is itself the first to go: it must not push out a model in use.</summary>
    public IReadOnlyList<IActorRef> Touch(string id, IActorRef entity, bool cold = false)
    {
        lock (_gate)
        {
            if (_index.TryGetValue(id, out var node))
            {
                if (!node.Value.Entity.Equals(entity)) _askedAt.Remove(id); // a new incarnation was never asked
                _lru.Remove(node);
                node.Value = (id, entity);
                if (cold) _lru.AddLast(node);
                else _lru.AddFirst(node);
            }
            else
            {
                _index[id] = cold ? _lru.AddLast((id, entity)) : _lru.AddFirst((id, entity));
            }
            if (_index.Count <= Max) return [];
            var evict = new List<IActorRef>();
            // Evict from the tail but keep them listed until they stop (Release), so one pass never over-evicts.
            var cursor = _lru.Last;
            var excess = _index.Count - Max;
            var now = Environment.TickCount64;
            while (cursor is not null && excess > 0)
            {
                if (cold || cursor.Value.Id != id)
                {
                    excess--; // asked lately or now: it is on its way out, or busy and asked again later
                    if (!_askedAt.TryGetValue(cursor.Value.Id, out var at) || now - at >= (long)AskAgainAfter.TotalMilliseconds)
                    {
                        evict.Add(cursor.Value.Entity);
                        _askedAt[cursor.Value.Id] = now;
                    }
                }
                cursor = cursor.Previous;
            }
            return evict;
        }
    }

    public void Release(string id, IActorRef entity)
    {
        lock (_gate)
        {
            if (_index.TryGetValue(id, out var node) && node.Value.Entity.Equals(entity))
            {
                _lru.Remove(node);
                _index.Remove(id);
                _askedAt.Remove(id);
            }
        }
    }
}

/// <summary>Told to an entity chosen for eviction by <see cref="LoadedModels"/> (local only).</summary>
public sealed record UnloadModel
{
    public static readonly UnloadModel Instance = new();
}
