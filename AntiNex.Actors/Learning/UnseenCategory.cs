// The categorical values a predict's rows hold that its model's training rows never held, counted for one feature, and the
// one wording of the warning that names them. A predict sent in blocks gets a count per block; they add up (UnseenTally)
// to the warning the same rows sent at once give.
using AntiNex.Data;

namespace AntiNex.Learning;

/// <param name="Rows">the feature's cells the training rows never held, empty ones included.</param>
/// <param name="Empty">of those, the empty cells: counted, not listed as a value.</param>
/// <param name="Values">per value (cut as a message quotes a cell), its cells; at most <see cref="MaxCounted"/> values, past
/// which only <paramref name="Rows"/> grows.</param>
/// <param name="Held">the training rows' first values (at most <see cref="HeldShown"/>, cut), of
/// <paramref name="HeldCount"/> in all.</param>
public sealed record UnseenCategory(string Feature, long Rows, long Empty, IReadOnlyDictionary<string, long> Values,
    IReadOnlyList<string> Held, int HeldCount)
{
    /// <summary>Distinct values counted per feature: a column of ids stays small, within one predict or all its blocks.</summary>
    public const int MaxCounted = 256;

    /// <summary>Training values the warning names.</summary>
    public const int HeldShown = 10;

    private const int ValuesShown = 10;

    /// <summary>Cells not counted by value: values past <see cref="MaxCounted"/>.</summary>
    public long Uncounted => Rows - Empty - Values.Values.Sum();

    /// <summary>The warning, naming the most frequent values; <paramref name="field"/> is the request field the rows came in.</summary>
    public string Warning(string field)
    {
        var top = Values.OrderByDescending(u => u.Value).ThenBy(u => u.Key, StringComparer.Ordinal).Take(ValuesShown)
            .Select(u => $"'{CsvLoader.Trunc(u.Key)}' ({u.Value:N0})").ToList();
        if (Values.Count > ValuesShown || Uncounted > 0)
            top.Add(Uncounted > 0 ? $"... (more than {Values.Count:N0} values)" : $"... ({Values.Count:N0} values)");
        if (Empty > 0) top.Add($"{Empty:N0} empty cells");
        return $"{field}: categorical feature '{Feature}' has {Rows:N0} rows with values its training rows never " +
               "held, read as its 'other' input: " + string.Join(", ", top) +
               $"; the training rows held {string.Join(", ", Held.Select(v => $"'{CsvLoader.Trunc(v)}'"))}" +
               (HeldCount > HeldShown ? $", ... ({HeldCount} values)" : "");
    }
}
