// The unseen-category counts of a predict sent in blocks, added up so that it warns as the same rows sent at once do.
namespace AntiNex.Learning;

/// <summary>The <see cref="UnseenCategory"/> counts of a predict's blocks added up, one per feature in the order first met:
/// rows and empty cells summed, values merged up to <see cref="UnseenCategory.MaxCounted"/> in all.</summary>
public sealed class UnseenTally
{
    private readonly Dictionary<string, (UnseenCategory First, Dictionary<string, long> Values, long Rows, long Empty)> _features =
        new(StringComparer.Ordinal);

    private readonly List<string> _order = [];

    public void Add(IEnumerable<UnseenCategory> block)
    {
        foreach (var u in block)
        {
            if (!_features.TryGetValue(u.Feature, out var sum))
            {
                sum = (u, new Dictionary<string, long>(StringComparer.Ordinal), 0, 0);
                _order.Add(u.Feature);
            }
            foreach (var (value, count) in u.Values)
                if (sum.Values.TryGetValue(value, out var n)) sum.Values[value] = n + count;
                else if (sum.Values.Count < UnseenCategory.MaxCounted) sum.Values[value] = count;
            _features[u.Feature] = (sum.First, sum.Values, sum.Rows + u.Rows, sum.Empty + u.Empty);
        }
    }

    public IReadOnlyList<UnseenCategory> Merged => _order.Select(f => _features[f])
        .Select(s => s.First with { Rows = s.Rows, Empty = s.Empty, Values = s.Values }).ToList();

    /// <summary>One warning per feature, as the rows sent at once would have it.</summary>
    public IEnumerable<string> Warnings(string field) => Merged.Select(u => u.Warning(field));
}
