namespace AntiNex.Data;

/// <summary>Which columns to keep from a source, and how to read them. <paramref name="NeedsValue"/>: every row must hold a
/// finite number (a regression target), whatever the request says of empty and non-finite cells.</summary>
public sealed record ColumnPlan(string Name, ColumnKind Kind, string Field, bool Required = true, bool NeedsValue = false);
