namespace AntiNex.Learning.Selection;

/// <summary>
/// A leave-attack-kind-out split of the training rows, for any binary dataset whose target column names the attack kind
/// (target_rules map several raw values to the attack class, e.g. neptune, smurf, ... -> 1). Attack kinds are ranked by
/// their training row count and every second one from the second on is held out (the most frequent kind always stays),
/// so the fit lacks kinds whose rows are then scored, as new attack kinds would be in traffic. Null when the target holds
/// fewer than two attack kinds, or when the fit left holds no normal or no attack row (a kept kind whose only rows are
/// selection rows): then there is nothing to judge a step by and the steps on top of the base are not candidates.
/// </summary>
internal sealed record LeaveKindOut(int[] Fit, int[] Evaluate, IReadOnlyList<string> HeldOutKinds)
{
    public static LeaveKindOut? Of(string[] kinds, int[] classes, int normalClass, int[] fitRows, int[] trainRows, int[] selectionRows) =>
        Of(kinds, classes, normalClass, fitRows, trainRows, selectionRows, out _);

    /// <param name="none">when null is returned, why (for the selection report).</param>
    public static LeaveKindOut? Of(string[] kinds, int[] classes, int normalClass, int[] fitRows, int[] trainRows, int[] selectionRows,
        out string? none)
    {
        var ranked = trainRows.Where(i => classes[i] != normalClass).GroupBy(i => kinds[i], StringComparer.Ordinal)
            .Select(g => (Kind: g.Key, Count: g.Count())).OrderByDescending(g => g.Count).ThenBy(g => g.Kind, StringComparer.Ordinal).ToList();
        none = $"the training rows name {ranked.Count} attack kind{(ranked.Count == 1 ? "" : "s")}, fewer than 2";
        if (ranked.Count < 2) return null;
        var held = ranked.Where((_, rank) => rank % 2 == 1).Select(g => g.Kind).ToHashSet(StringComparer.Ordinal);
        bool Held(int i) => classes[i] != normalClass && held.Contains(kinds[i]);
        var fit = fitRows.Where(i => !Held(i)).ToArray();
        // A fit of one class cannot be judged by: a tree refuses it, a network learns nothing from it.
        bool normalLeft = fit.Any(i => classes[i] == normalClass), attackLeft = fit.Any(i => classes[i] != normalClass);
        none = !normalLeft ? "its fitting rows would hold no normal row"
            : !attackLeft ? "its fitting rows without the held-out kinds would hold no attack row" : null;
        if (none is not null) return null;
        // Scored: every training row of a held-out kind (none was fitted on) and the normal selection rows.
        var evaluate = trainRows.Where(Held).Concat(selectionRows.Where(i => classes[i] == normalClass)).ToArray();
        return new LeaveKindOut(fit, evaluate, ranked.Select(g => g.Kind).Where(held.Contains).ToList());
    }
}
