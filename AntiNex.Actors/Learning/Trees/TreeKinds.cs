using AntiNex.Requests;

namespace AntiNex.Learning.Trees;

/// <summary>The request's model_kind names of the tree learners, both ways.</summary>
public static class TreeKinds
{
    /// <summary>fast_tree / light_gbm -> the learner; null for any other kind (network, auto).</summary>
    public static TreeKind? Of(string modelKind) => modelKind switch
    {
        ModelKinds.FastTree => TreeKind.FastTree,
        ModelKinds.LightGbm => TreeKind.LightGbm,
        _ => null,
    };

    public static string Name(TreeKind kind) => kind == TreeKind.FastTree ? ModelKinds.FastTree : ModelKinds.LightGbm;
}
