namespace AntiNex.Data;

public enum ColumnKind { Numeric, Text }
