namespace AntiNex.Data;

/// <summary>
/// predict_rows rows that lack a key of a column the request reads (other rows have it). The missing cells are read as
/// empty (mark_empty for a number, "" for text), as pandas reads a record without the key as NaN; counted so that the
/// caller is told, since a misspelt or dropped key otherwise trains or predicts on mark_empty in silence.
/// </summary>
/// <param name="Field">the request field the rows came in ("predict_rows").</param>
/// <param name="Rows">how many rows lack one key or more.</param>
/// <param name="FirstRow">the first such row, 0-based as predictions number rows.</param>
/// <param name="Keys">the keys found missing, in the order the columns are read.</param>
public sealed record MissingKeys(string Field, int Rows, int FirstRow, IReadOnlyList<string> Keys)
{
    /// <summary>Keys named in the warning at most; the rest are counted.</summary>
    public const int ShownKeys = 5;

    public string Warning => $"{Field}: {Rows:N0} row{(Rows == 1 ? " lacks" : "s lack")} key{(Keys.Count == 1 ? "" : "s")} " +
        string.Join(", ", Keys.Take(ShownKeys).Select(k => $"'{k}'")) + (Keys.Count > ShownKeys ? $", ... ({Keys.Count} keys)" : "") +
        $"; the missing cells were read as empty (mark_empty for a number); the first is row {FirstRow}";
}
