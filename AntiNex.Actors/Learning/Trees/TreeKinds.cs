namespace AntiNex.Learning.Trees;

/// <summary>The request's model_kind names of the served model kinds, and the tree learner each tree name means.</summary>
public static class TreeKinds
{
    public const string Network = "network";
    public const string FastTree = "fast_tree";
    public const string LightGbm = "light_gbm";

    /// <summary>fast_tree / light_gbm -> the learner; null for any other kind (network, auto).</summary>
    public static TreeKind? Of(string? modelKind) => modelKind switch
    {
        FastTree => TreeKind.FastTree,
        LightGbm => TreeKind.LightGbm,
        _ => null,
    };

    public static bool IsTrees(string? modelKind) => Of(modelKind) is not null;

    public static string Name(TreeKind kind) => kind == TreeKind.FastTree ? FastTree : LightGbm;
}
