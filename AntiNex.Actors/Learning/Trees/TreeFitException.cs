namespace AntiNex.Learning.Trees;

/// <summary>A tree learner could not fit the rows it was given (not a bad argument: the same call fits other rows).</summary>
public sealed class TreeFitException(string message, Exception inner) : Exception(message, inner);
