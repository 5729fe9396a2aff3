// What a model node's periodic catalog read means for the copies it holds. Version and forget notices travel over
// DistributedPubSub, which delivers at most once: a node that misses one would keep an old version, or a forgotten
// label's copy, for good. The catalog is the record no node can miss (every writer updates it after its store).
namespace AntiNex.Replicas;

internal sealed class CatalogAudit
{
    /// <summary>Catalog reads in a row without a label after which its copy is dropped as forgotten. One is not enough:
    /// a first version's notice can arrive just before its card is written.</summary>
    public const int MissesToDrop = 2;

    private readonly Dictionary<string, int> _misses = new(StringComparer.Ordinal);

    /// <summary>Copies to bring to the card's newer version, and copies whose label left the catalog.</summary>
    public sealed record Verdict(IReadOnlyList<(string Id, long Version)> CatchUp, IReadOnlyList<string> Gone);

    /// <param name="listed">the labels the catalog lists.</param>
    /// <param name="cards">the card's version of each held label the catalog has a card for.</param>
    /// <param name="copies">this node's copies: label and the newest version the node knows of (loaded or announced).</param>
    /// <param name="heard">other labels this node may place copies of (reported by other nodes, announced).</param>
    public Verdict Read(IReadOnlySet<string> listed, IReadOnlyDictionary<string, long> cards, IReadOnlyDictionary<string, long> copies,
        IEnumerable<string> heard)
    {
        var tracked = copies.Keys.Concat(heard).ToHashSet(StringComparer.Ordinal);
        foreach (var id in _misses.Keys.Where(id => !tracked.Contains(id)).ToList()) _misses.Remove(id);
        foreach (var id in tracked)
            if (listed.Contains(id)) _misses.Remove(id);
            else _misses[id] = _misses.GetValueOrDefault(id) + 1;
        var catchUp = copies.Where(c => listed.Contains(c.Key) && cards.TryGetValue(c.Key, out var v) && v > c.Value)
            .Select(c => (c.Key, cards[c.Key])).ToList();
        var gone = copies.Keys.Where(Forgotten).ToList();
        return new Verdict(catchUp, gone);
    }

    /// <summary>The catalog has not listed the label for <see cref="MissesToDrop"/> reads: no copy of it is placed.</summary>
    public bool Forgotten(string id) => _misses.GetValueOrDefault(id) >= MissesToDrop;

    /// <summary>A version notice for the label: its card may still be on its way, the count starts again.</summary>
    public void Announced(string id) => _misses.Remove(id);
}
