// The same input checks a writer applies to raw feature rows, for the replicas (answers must not depend on the copy).
using AntiNex.Requests;

namespace AntiNex.Replicas;

public static class RowChecks
{
    /// <summary>null when every row has one finite value per input feature; else the first problem, naming the cell.</summary>
    public static RequestIssue? Validate(double[][] rows, IReadOnlyList<string> features)
    {
        if (rows.Length == 0) return new RequestIssue("rows", "no rows to predict");
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] is null || rows[i].Length != features.Count)
                return new RequestIssue($"rows[{i}]",
                    $"expected {features.Count} features ({string.Join(", ", features.Take(8))}{(features.Count > 8 ? ", ..." : "")}), " +
                    $"got {rows[i]?.Length ?? 0}");
            for (var j = 0; j < rows[i].Length; j++)
                if (!double.IsFinite(rows[i][j]))
                    return new RequestIssue($"rows[{i}][{j}]", $"feature '{features[j]}' is not a finite number");
        }
        return null;
    }
}
