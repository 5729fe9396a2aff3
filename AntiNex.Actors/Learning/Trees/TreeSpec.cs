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
    public int Threads { get; init; } = 1;

    public static TreeSpec FastTree => new(TreeKind.FastTree);
    public static TreeSpec LightGbm => new(TreeKind.LightGbm);
}
