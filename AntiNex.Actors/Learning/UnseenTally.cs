// The unseen-category counts of a predict sent in blocks, added up so that it warns as the same rows sent at once do.
namespace AntiNex.Learning;

/// <summary>The <see cref="UnseenCategory"/> counts of a predict's blocks added up, one per feature: rows and empty cells
/// summed, values merged up to <see cref="UnseenCategory.MaxCounted"/> in all.</summary>
/// <param name="features">the model's input features: the features come in their order, as a node words them, whichever
/// block first held their values (else in the order first met).</param>
public sealed class UnseenTally(IReadOnlyList<string>? features = null)
{
    private readonly Dictionary<string, (UnseenCategory First, Dictionary<string, long> Values, long Rows, long Empty)> _sums =
        new(StringComparer.Ordinal);

    private readonly List<string> _order = []; // as first met

    private readonly List<string> _modelOrder = features?.ToList() ?? [];

    public void Add(IEnumerable<UnseenCategory> block)
    {
        foreach (var u in block)
        {
            if (!_sums.TryGetValue(u.Feature, out var sum))
            {
                sum = (u, new Dictionary<string, long>(StringComparer.Ordinal), 0, 0);
                _order.Add(u.Feature);
            }
            foreach (var (value, count) in u.Values)
                if (sum.Values.TryGetValue(value, out var n)) sum.Values[value] = n + count;
                else if (sum.Values.Count < UnseenCategory.MaxCounted) sum.Values[value] = count;
            _sums[u.Feature] = (sum.First, sum.Values, sum.Rows + u.Rows, sum.Empty + u.Empty);
        }
    }

    public IReadOnlyList<UnseenCategory> Merged => _order.OrderBy(Position).Select(f => _sums[f])
        .Select(s => s.First with { Rows = s.Rows, Empty = s.Empty, Values = s.Values }).ToList();

    private int Position(string feature) => _modelOrder.IndexOf(feature) is >= 0 and var at ? at : int.MaxValue;

    /// <summary>One warning per feature, as the rows sent at once would have it.</summary>
    public IEnumerable<string> Warnings(string field) => Merged.Select(u => u.Warning(field));
}
