namespace AntiNex.Learning;

/// <summary>What the output layer does: one sigmoid unit, one unit per class, or one value.</summary>
public enum TaskKind { Binary, MultiClass, Regression }
