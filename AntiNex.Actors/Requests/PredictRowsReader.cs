using System.Text.Json;

namespace AntiNex.Requests;

/// <summary>predict_rows in pandas "records" ([{col: v}]) or "columns" ({col: {"0": v}}) orientation.</summary>
internal static class PredictRowsReader
{
    public static PredictRows Read(JsonElement e)
    {
        var columns = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        if (e.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var rec in e.EnumerateArray())
            {
                if (rec.ValueKind != JsonValueKind.Object)
                    throw new FormatException($"row {i} must be an object of column -> value (records orientation), got {rec.ValueKind}");
                var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var p in rec.EnumerateObject())
                {
                    if (seen.Add(p.Name)) columns.Add(p.Name);
                    row[p.Name] = Cell(p.Value, p.Name, i);
                }
                rows.Add(row);
                i++;
            }
        }
        else if (e.ValueKind == JsonValueKind.Object)
        {
            // columns orientation: {"col": {"0": v0, "1": v1}}; row keys are the pandas index, kept in first-seen order.
            var index = new List<string>();
            var byIndex = new Dictionary<string, Dictionary<string, object?>>(StringComparer.Ordinal);
            var position = new Dictionary<string, int>(StringComparer.Ordinal); // a row key's place in index, for messages
            foreach (var col in e.EnumerateObject())
            {
                if (col.Value.ValueKind != JsonValueKind.Object)
                    throw new FormatException(
                        $"column '{col.Name}' must be an object of index -> value (columns orientation), got {col.Value.ValueKind}");
                if (seen.Add(col.Name)) columns.Add(col.Name);
                foreach (var cell in col.Value.EnumerateObject())
                {
                    if (!byIndex.TryGetValue(cell.Name, out var row))
                    {
                        row = new Dictionary<string, object?>(StringComparer.Ordinal);
                        byIndex[cell.Name] = row;
                        position[cell.Name] = index.Count;
                        index.Add(cell.Name);
                    }
                    row[col.Name] = Cell(cell.Value, col.Name, position[cell.Name]);
                }
            }
            // pandas sorts a numeric index; keep numeric order when every key is an integer.
            if (index.All(k => long.TryParse(k, out _))) index = index.OrderBy(long.Parse).ToList();
            rows.AddRange(index.Select(k => (IReadOnlyDictionary<string, object?>)byIndex[k]));
        }
        else throw new FormatException($"must be a list of row objects or a columns-oriented object (or a JSON string of either), got {e.ValueKind}");
        if (rows.Count == 0) throw new FormatException("has zero rows");
        return new PredictRows(columns, rows);
    }

    private static object? Cell(JsonElement v, string column, int row) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Null => null,
        JsonValueKind.True => 1.0,
        JsonValueKind.False => 0.0,
        _ => throw new FormatException($"row {row} column '{column}': a cell must be a number, string or null, got {v.ValueKind}"),
    };
}
