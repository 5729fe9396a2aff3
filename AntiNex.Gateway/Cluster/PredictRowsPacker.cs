// predict_rows of an AntiNex request (records [{col: v}] or columns {col: {"0": v}}, or a JSON string of either) read
// straight into a float32 row block in the model's feature order: no per-row dictionaries, so a million-row request
// costs its JSON text plus 4 bytes a value (and a string per categorical cell). Empty cells take mark_empty, and
// NaN/Infinity follow non_finite, as the engine's own reader does. A model's categorical features are kept as the text
// its pipeline reads instead (a number by its invariant text, null as empty), since a category has no float. A row without
// a feature's key that other rows have reads that cell as empty too, as a node reads it, and is counted (MissingKeys), as
// are NaN/Infinity cells read as empty (NonFiniteRead).
using System.Globalization;
using System.Text.Json;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Requests;

namespace AntiNex.Gateway.Cluster;

public sealed record PackedRows(int Rows, int Columns, float[] Values, double[]? Originals)
{
    /// <summary>Per input feature, its cells as text for a categorical feature (the float in Values is then 0), null for a
    /// numeric one; null when the model has no categorical feature.</summary>
    public string[]?[]? Texts { get; init; }

    /// <summary>Rows that lacked a feature's key, read as empty cells (worded as a node words them); null when none.</summary>
    public MissingKeys? MissingKeys { get; init; }

    /// <summary>Per feature, its NaN/Infinity cells read as empty (non_finite "empty"), for the node's warning; empty when none.</summary>
    public IReadOnlyDictionary<string, long> NonFiniteRead { get; init; } = new Dictionary<string, long>();
}

public static class PredictRowsPacker
{
    /// <summary>Packs the rows; throws <see cref="RequestException"/> naming the row and column at fault.</summary>
    /// <param name="target">The model's predict_feature: its values, when present and numeric, come back as originals
    /// (NaN where missing) so accuracy can be reported.</param>
    /// <param name="categorical">the model's categorical features: read as text into <see cref="PackedRows.Texts"/>.</param>
    public static PackedRows Pack(JsonElement predictRows, IReadOnlyList<string> features, string target, CellRules cells,
        IReadOnlyCollection<string>? categorical = null)
    {
        if (predictRows.ValueKind == JsonValueKind.String)
        {
            using var inner = RequestJson.ParseNested(predictRows.GetString()!, "predict_rows");
            return Pack(inner.RootElement, features, target, cells, categorical);
        }
        var text = categorical is { Count: > 0 } ? features.Select(categorical.Contains).ToArray() : null;
        return predictRows.ValueKind switch
        {
            JsonValueKind.Array => Records(predictRows, features, target, cells, text),
            JsonValueKind.Object => Columns(predictRows, features, target, cells, text),
            _ => throw new RequestException("predict_rows",
                $"must be a list of row objects or a columns-oriented object, got {predictRows.ValueKind}"),
        };
    }

    private static PackedRows Records(JsonElement rows, IReadOnlyList<string> features, string target, CellRules cells, bool[]? text)
    {
        int n = rows.GetArrayLength(), width = features.Count;
        if (n == 0) throw new RequestException("predict_rows", "has zero rows");
        var values = new float[n * width];
        var texts = TextColumns(text, n);
        double[]? originals = null;
        var gaps = new Gaps(features, n, values, texts, cells.MarkEmpty);
        var nonFinite = new Dictionary<string, long>(StringComparer.Ordinal);
        var i = 0;
        foreach (var row in rows.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Object)
                throw new RequestException("predict_rows",
                    $"row {i} must be an object of column -> value (records orientation), got {row.ValueKind}");
            for (int j = 0; j < width; j++)
            {
                if (!row.TryGetProperty(features[j], out var cell)) gaps.Add(i, j);
                else if (texts?[j] is { } column) column[i] = Text(cell, i, features[j]);
                else values[i * width + j] = Number(cell, cells, i, features[j], nonFinite);
            }
            if (row.TryGetProperty(target, out var t) && Original(t) is { } o) (originals ??= Nans(n))[i] = o;
            i++;
        }
        gaps.Check();
        return new PackedRows(n, width, values, originals) { Texts = texts, MissingKeys = gaps.Note(), NonFiniteRead = nonFinite };
    }

    private static PackedRows Columns(JsonElement table, IReadOnlyList<string> features, string target, CellRules cells, bool[]? text)
    {
        int width = features.Count;
        if (width == 0 || !table.TryGetProperty(features[0], out var first) || first.ValueKind != JsonValueKind.Object)
            throw new RequestException("predict_rows", $"has no column '{(width > 0 ? features[0] : "")}' (a feature of the model)");
        // Row order: the index keys of the first feature, numerically sorted when all are integers (as pandas does).
        var keys = first.EnumerateObject().Select(c => c.Name).ToList();
        if (keys.Count == 0) throw new RequestException("predict_rows", "has zero rows");
        var rowOf = new Dictionary<string, int>(keys.Count, StringComparer.Ordinal);
        var numeric = keys.All(k => long.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        var ordered = numeric ? keys.OrderBy(k => long.Parse(k, CultureInfo.InvariantCulture)).ToList() : keys;
        for (int r = 0; r < ordered.Count; r++) rowOf[ordered[r]] = r;
        int n = keys.Count;
        var values = new float[n * width];
        var texts = TextColumns(text, n);
        var seen = new bool[n];
        var gaps = new Gaps(features, n, values, texts, cells.MarkEmpty);
        var nonFinite = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int j = 0; j < width; j++)
        {
            if (!table.TryGetProperty(features[j], out var column) || column.ValueKind != JsonValueKind.Object)
                throw new RequestException("predict_rows", $"has no column '{features[j]}' (a feature of the model)");
            Array.Clear(seen);
            var position = 0;
            foreach (var cell in column.EnumerateObject())
            {
                // The same index order as the first column is the usual case: matched without allocating the key.
                var row = position < n && cell.NameEquals(keys[position]) ? rowOf[keys[position]]
                    : rowOf.TryGetValue(cell.Name, out var r) ? r
                    : throw new RequestException("predict_rows", $"column '{features[j]}' has index '{cell.Name}' that '{features[0]}' lacks");
                if (texts?[j] is { } textColumn) textColumn[row] = Text(cell.Value, row, features[j]);
                else values[row * width + j] = Number(cell.Value, cells, row, features[j], nonFinite);
                seen[row] = true;
                position++;
            }
            for (int row = Array.IndexOf(seen, false); row >= 0; row = Array.IndexOf(seen, false, row + 1)) gaps.Add(row, j);
        }
        gaps.Check();
        double[]? originals = null;
        if (table.TryGetProperty(target, out var targets) && targets.ValueKind == JsonValueKind.Object)
            foreach (var cell in targets.EnumerateObject())
                if (rowOf.TryGetValue(cell.Name, out var row) && Original(cell.Value) is { } o) (originals ??= Nans(n))[row] = o;
        return new PackedRows(n, width, values, originals) { Texts = texts, MissingKeys = gaps.Note(), NonFiniteRead = nonFinite };
    }

    /// <summary>The cells of rows that lack a feature's key: read as empty (mark_empty, or "" for a category) as they are met,
    /// when some row has the key, as a node reads predict_rows; a key no row has is refused, as a node refuses it. Kept as
    /// a count per feature and a flag per row, as a node's row gaps are: sparse records of a million rows stay small.</summary>
    private sealed class Gaps(IReadOnlyList<string> features, int rows, float[] values, string[]?[]? texts, double markEmpty)
    {
        private readonly long[] _missing = new long[features.Count]; // per feature: rows without its key
        private bool[]? _rows; // per row: lacks some key; null until one does

        public void Add(int row, int feature)
        {
            if (texts?[feature] is { } column) column[row] = "";
            else values[row * features.Count + feature] = (float)markEmpty;
            _missing[feature]++;
            (_rows ??= new bool[rows])[row] = true;
        }

        /// <summary>Refuses a feature that no row has.</summary>
        public void Check()
        {
            for (int j = 0; j < _missing.Length; j++)
                if (_missing[j] == rows)
                    throw new RequestException("predict_rows", $"has no column '{features[j]}' (a feature of the model)");
        }

        public MissingKeys? Note()
        {
            if (_rows is null) return null;
            var count = _rows.Count(r => r);
            var keys = Enumerable.Range(0, _missing.Length).Where(j => _missing[j] > 0).Select(j => features[j]).ToList();
            return new MissingKeys("predict_rows", count, Array.IndexOf(_rows, true), keys);
        }
    }

    private static string[]?[]? TextColumns(bool[]? text, int rows) => text?.Select(t => t ? new string[rows] : null).ToArray();

    /// <summary>A categorical cell as a node reads it from predict_rows.</summary>
    private static string Text(JsonElement cell, int row, string column) => cell.ValueKind switch
    {
        JsonValueKind.String => cell.GetString()!,
        JsonValueKind.Number => FeaturePipeline.CategoryOf(cell.GetDouble()),
        JsonValueKind.Null => "",
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        _ => throw new RequestException("predict_rows",
            $"row {row} column '{column}': a cell must be a number, string or null, got {cell.ValueKind}"),
    };

    private static float Number(JsonElement cell, CellRules cells, int row, string column, Dictionary<string, long> nonFinite)
    {
        double v = cell.ValueKind switch
        {
            JsonValueKind.Number => cell.GetDouble(),
            JsonValueKind.Null => cells.MarkEmpty,
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            JsonValueKind.String when CellRules.TryParse(cell.GetString(), out var parsed) => parsed,
            JsonValueKind.String when string.IsNullOrWhiteSpace(cell.GetString()) => cells.MarkEmpty,
            _ => throw new RequestException("predict_rows",
                $"row {row} column '{column}': {cell.GetRawText()} is not a number (rows beyond one cluster message travel as float32)"),
        };
        if (cells.Admit(v) is not { } read)
            throw new RequestException("predict_rows", $"row {row} column '{column}': {v} is not a finite number ({CellRules.NonFiniteHint})");
        if (!double.IsFinite(v)) nonFinite[column] = nonFinite.GetValueOrDefault(column) + 1; // read as empty: counted, as a node counts it
        return float.IsFinite((float)read) ? (float)read
            : throw new RequestException("predict_rows",
                $"row {row} column '{column}': {v} is beyond float32 (rows beyond one cluster message travel as float32)");
    }

    private static double? Original(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.Number => cell.GetDouble(),
        JsonValueKind.String when double.TryParse(cell.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
        _ => null,
    };

    private static double[] Nans(int n)
    {
        var a = new double[n];
        Array.Fill(a, double.NaN);
        return a;
    }
}
