namespace AntiNex.Data;

/// <summary>Which columns to keep from a source, and how to read them.</summary>
public sealed record ColumnPlan(string Name, ColumnKind Kind, string Field, bool Required = true);
