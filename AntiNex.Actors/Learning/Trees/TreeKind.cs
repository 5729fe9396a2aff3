namespace AntiNex.Learning.Trees;

/// <summary>The gradient-boosted tree learners a model can be trained with.</summary>
public enum TreeKind
{
    /// <summary>ML.NET FastTree (MART); multi-class is one binary ensemble per class (one-versus-all).</summary>
    FastTree,
    /// <summary>LightGBM through ML.NET; native multi-class objective.</summary>
    LightGbm,
}
