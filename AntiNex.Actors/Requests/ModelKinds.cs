namespace AntiNex.Requests;

/// <summary>Request field model_kind: which kind of model a training serves. network (the default: the dense network
/// of model_desc), fast_tree / light_gbm (a gradient-boosted tree ensemble on the same features), auto (chosen on the
/// training rows only).</summary>
public static class ModelKinds
{
    public const string Network = "network";
    public const string FastTree = "fast_tree";
    public const string LightGbm = "light_gbm";
    public const string Auto = "auto";
    public static readonly IReadOnlyList<string> All = [Network, FastTree, LightGbm, Auto];

    public static bool IsTrees(string kind) => kind is FastTree or LightGbm;

    /// <summary>The kind named by the request (any case), or an issue naming the field and the known kinds.</summary>
    internal static string Parse(string? value, Action<string, string> issue)
    {
        if (value is null) return Network;
        var kind = value.Trim().ToLowerInvariant();
        if (All.Contains(kind)) return kind;
        issue("model_kind", $"must be one of {string.Join(", ", All)}, got \"{value}\"");
        return Network;
    }
}
