using System.Globalization;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>
/// Class numbers for a text target that the request leaves unmapped (no target_rules), so a new dataset's class column
/// (BENIGN, DoS Hulk, ...) trains as it is. With label_rules, its names give the numbers. Otherwise the normal traffic
/// is class 0 (the one value named normal or benign, else the most frequent value) and the others follow by training
/// row count, ties by name: the same training rows give the same numbers in any order, and the test file never
/// shapes them. The derived rules are stored with the model like a request's own.
/// </summary>
internal sealed record ClassNumbering(TargetRules Rules, LabelRules Labels, string Note)
{
    private static readonly string[] NormalNames = ["normal", "benign"];
    /// <summary>More distinct values than this is almost surely not a class column (an address, an id, a measurement).</summary>
    public const int MaxClasses = 1000;

    /// <summary>Null when the request maps its target (target_rules), is a regression, or every training value is a number.</summary>
    public static ClassNumbering? Of(AntiNexRequest r, string[] raw, IReadOnlyList<int> rowIds, string pf)
    {
        if (r.IsRegression || r.TargetRules is not null) return null;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < raw.Length; i++)
        {
            var value = raw[i].Trim();
            if (value.Length == 0) throw new RequestException("predict_feature", $"row {rowIds[i]}: empty target value in '{pf}'");
            counts[value] = counts.GetValueOrDefault(value) + 1;
        }
        RefuseStrayText(counts, r.LabelRules, raw, rowIds, pf);
        if (counts.Keys.All(IsNumber))
        {
            // Each class is an output unit: a regression target read as classes would build one per distinct value.
            int classes = counts.Keys.Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture)).Distinct().Count();
            if (classes > MaxClasses)
                throw new RequestException("predict_feature",
                    $"'{pf}' holds {classes:N0} distinct numbers in the training rows, more than {MaxClasses} classes: is it a regression " +
                    "target? Set ml_type \"regression\"");
            return null;
        }
        if (counts.Count > MaxClasses)
            throw new RequestException("predict_feature",
                $"'{pf}' holds {counts.Count:N0} distinct text values in the training rows, more than {MaxClasses} classes: is it the class " +
                "column? Map it with target_rules");
        return r.LabelRules is { } given ? FromLabels(counts, given, pf) : Derived(counts, pf);
    }

    /// <summary>The rules for another file's class column (a test file): its spellings of a training class in another
    /// letter case are that class, as the training file's own are.</summary>
    public TargetRules RulesFor(IEnumerable<string> raw) => Rules.WithCaseVariants(raw, out _);

    /// <summary>Unmapped test values: the rows of a class the training data lacks.</summary>
    public IReadOnlyList<string> Unseen(IEnumerable<string> raw)
    {
        var values = raw.Select(v => v.Trim()).ToList();
        var rules = RulesFor(values);
        return values.Where(v => !rules.Map.ContainsKey(v)).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A class column of numbers with a few text cells ("?", "NaN", "-") is refused, naming them: numbered as text, the
    /// stray value would be a class of its own and the number classes would be renumbered by row count, so a "1" could
    /// become class 0. A column that is mostly text (names, with a stray number) is numbered as text. Text that label_rules
    /// name is a class the user gave, not a stray cell.
    /// </summary>
    private static void RefuseStrayText(Dictionary<string, int> counts, LabelRules? given, string[] raw, IReadOnlyList<int> rowIds, string pf)
    {
        var named = given is null ? null : LabelMap(given).WithCaseVariants(counts.Keys, out _).Map;
        bool Stray(string v) => !IsNumber(v) && named?.ContainsKey(v) != true;
        var numbers = counts.Keys.Where(IsNumber).ToList();
        var text = counts.Keys.Where(Stray).Order(StringComparer.Ordinal).ToList();
        int numberRows = numbers.Sum(v => counts[v]), textRows = text.Sum(v => counts[v]);
        if (text.Count == 0 || numbers.Count < 2 || textRows >= numberRows) return;
        int first = Array.FindIndex(raw, v => Stray(v.Trim()));
        throw new RequestException("predict_feature",
            $"'{pf}' holds class numbers ({List(numbers.Order(StringComparer.Ordinal))}) in {Rows(numberRows)}, and text in {Rows(textRows)}: " +
            $"{List(text.Select(v => $"'{v}' ({Rows(counts[v])})"))}, the first in row {rowIds[first]}; fix or drop those rows, or " +
            (given is null ? "map every value with target_rules" : "name every value in label_rules"));

        static string Rows(int n) => n == 1 ? "1 row" : $"{n:N0} rows";
    }

    private static ClassNumbering FromLabels(Dictionary<string, int> counts, LabelRules given, string pf)
    {
        var rules = LabelMap(given).WithCaseVariants(counts.Keys, out var variants);
        var unnamed = counts.Keys.Where(v => !rules.Map.ContainsKey(v)).Order(StringComparer.Ordinal).ToList();
        if (unnamed.Count > 0)
            throw new RequestException("label_rules",
                $"'{pf}' holds text classes that label_rules.labels does not name: {List(unnamed)}; add them with their label_values, or map " +
                "the target with target_rules");
        // A spelling in another letter case is its label's class, not one more: the count is of the labels found.
        var labelOf = variants.ToDictionary(v => v.Value, v => v.Key, StringComparer.Ordinal);
        int classes = counts.Keys.Select(v => labelOf.GetValueOrDefault(v, v)).Distinct(StringComparer.Ordinal).Count();
        return new ClassNumbering(rules, given,
            $"predict_feature: the text classes of '{pf}' are numbered by label_rules ({classes} found in the training rows)" +
            CaseNote(variants.Select(v => (v.Value, v.Key))));
    }

    private static TargetRules LabelMap(LabelRules given)
    {
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < given.Labels.Count; i++) map.TryAdd(given.Labels[i], given.LabelValues[i]);
        return new TargetRules(map, null);
    }

    private static ClassNumbering Derived(Dictionary<string, int> counts, string pf)
    {
        // Spellings of one name in another letter case (BENIGN and Benign from two exports) are one class, named by its most
        // frequent spelling: as two classes, the normal traffic would lose its name and a class would be split in two.
        var classes = counts.GroupBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList())
            .Select(spellings => (Name: spellings[0].Key, Rows: spellings.Sum(kv => kv.Value), Spellings: spellings.Select(kv => kv.Key).ToList()))
            .ToList();
        var normalLike = classes.Where(c => NormalNames.Contains(c.Name, StringComparer.OrdinalIgnoreCase)).Select(c => c.Name).ToList();
        var byCount = classes.OrderByDescending(c => c.Rows).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Name).ToList();
        var normal = normalLike.Count == 1 ? normalLike[0] : byCount[0];
        var names = byCount.Where(v => v != normal).Prepend(normal).ToList();
        var number = names.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i, StringComparer.Ordinal);
        var map = classes.SelectMany(c => c.Spellings.Select(s => (s, number[c.Name])))
            .ToDictionary(p => p.s, p => (double)p.Item2, StringComparer.Ordinal);
        var labels = new LabelRules(names, names.Select((_, i) => (long)i).ToList());
        var why = normalLike.Count == 1 ? "named like normal traffic" : "the most frequent";
        return new ClassNumbering(new TargetRules(map, null), labels,
            $"predict_feature: no target_rules, so the {names.Count} text classes of '{pf}' are numbered from the training rows, class 0 " +
            $"'{normal}' ({why}), then by row count: {List(names.Select((v, i) => $"{i} {v}"))}; they are stored with the model (give " +
            "target_rules to number them yourself)" + CaseNote(classes.SelectMany(c => c.Spellings.Skip(1).Select(s => (s, c.Name)))));
    }

    /// <summary>Which spellings were read as a class written in another letter case, for the numbering's warning.</summary>
    private static string CaseNote(IEnumerable<(string Spelling, string Name)> variants)
    {
        var all = variants.ToList();
        return all.Count == 0 ? ""
            : "; letter case aside they are one class: " + List(all.Select(v => $"'{v.Spelling}' is '{v.Name}'")) +
              " (to keep spellings apart, name each in label_rules or target_rules)";
    }

    private static bool IsNumber(string v) => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d);

    private static string List(IEnumerable<string> values)
    {
        var all = values.ToList();
        return string.Join(", ", all.Take(20)) + (all.Count > 20 ? $", ... ({all.Count} in all)" : "");
    }
}
