namespace AntiNex.Requests;

/// <summary>predict_rows as a table: column names in first-seen order, cells as JSON values (number, string or null).</summary>
public sealed record PredictRows(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows);
