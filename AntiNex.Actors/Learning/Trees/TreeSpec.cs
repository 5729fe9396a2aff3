namespace AntiNex.Learning.Trees;

/// <summary>
/// How to grow a tree ensemble. A null hyper-parameter keeps the ML.NET default of the learner (what
/// training/AntiNex.Baselines compares against). One thread by default: the fit is then deterministic for a seed and
/// does not compete with other trainings on a shared node.
/// </summary>
public sealed record TreeSpec(TreeKind Kind)
{
    public int? Trees { get; init; }
    public int? Leaves { get; init; }
    public double? LearningRate { get; init; }
    public int? MinRowsPerLeaf { get; init; }
    /// <summary>LightGBM only: the L2 penalty on leaf values (the learner's default is 0.01).</summary>
    public double? L2Regularization { get; init; }
    public int Threads { get; init; } = 1;

    public static TreeSpec FastTree => new(TreeKind.FastTree);
    public static TreeSpec LightGbm => new(TreeKind.LightGbm);

    /// <summary>
    /// A LightGBM classifier whose fit ends with a higher log loss on its own training rows than the class frequencies
    /// alone (where boosting starts) has diverged; with this set it is fitted again with an L2 penalty of 1 on its leaf
    /// values. A leaf's value is its rows' gradient sum over their hessian sum plus the penalty; for a class of a few dozen
    /// rows among ~100,000, the hessians p(1 - p) of confidently wrong rows are near zero, so under LightGBM's default
    /// penalty (0.01) such a leaf can take a huge value. 1 is XGBoost's default. Ignored when L2 is set.
    /// </summary>
    public bool RefitIfDiverged { get; init; }

    /// <summary>What the engine fits for a served model or a candidate: the learner's defaults, one thread, and a
    /// diverged LightGBM classifier fitted again (<see cref="RefitIfDiverged"/>).</summary>
    public static TreeSpec Served(TreeKind kind) => new(kind) { RefitIfDiverged = true };
}
