using AntiNex.Learning;
using AntiNex.Learning.Trees;

namespace AntiNex.Baselines;

/// <summary>What one model predicted on one test file: class index per row, positive-class score (binary) for ROC AUC.</summary>
public sealed record Predictions(int[] Predicted, double[]? PositiveScore);

/// <summary>
/// ML.NET FastTree and LightGBM with their default hyper-parameters (the product's <see cref="TreeLearner"/>, the same
/// learner a request's model_kind serves, with ML.NET's bare defaults: a diverged LightGBM fit is kept, where the engine
/// fits it again), trained on the exported training matrix only (fitting and validation rows:
/// trees need no validation split) and applied to the exported test matrices. The trees never see a test row, and
/// they see exactly the network's inputs (a fair comparison: identical features).
/// </summary>
public static class TreeBaselines
{
    public static readonly string[] Names = ["FastTree", "LightGBM"];

    public static IReadOnlyList<Predictions> TrainAndPredict(string name, FeatureMatrices m, int seed, int threads)
    {
        var kind = name switch
        {
            "FastTree" => TreeKind.FastTree,
            "LightGBM" => TreeKind.LightGbm,
            _ => throw new ArgumentException($"unknown tree baseline '{name}' (known: {string.Join(", ", Names)})"),
        };
        int k = m.ClassNames.Count;
        var t = m.Train.Select(m.SplitOrder); // the engine's order: the tree a fast_tree / light_gbm request serves
        var model = TreeLearner.Fit(new TreeSpec(kind) { Threads = threads }, t.X, t.Rows, t.Width,
            t.Classes.Select(c => (float)c).ToArray(), k, seed);
        return m.Tests.Select(test => Predict(model, test)).ToList();
    }

    private static Predictions Predict(TreeModel model, FeatureMatrix t)
    {
        int w = model.OutputWidth;
        var outputs = new float[t.Rows * w];
        model.Score(t.X, t.Rows, outputs);
        if (model.Task == TaskKind.Binary) // class 1 above probability 0.5; the probability ranks rows for ROC AUC
            return new Predictions(outputs.Select(p => p > 0.5f ? 1 : 0).ToArray(), outputs.Select(p => (double)p).ToArray());
        var predicted = new int[t.Rows];
        for (int i = 0; i < t.Rows; i++)
            for (int j = 1; j < w; j++)
                if (outputs[i * w + j] > outputs[i * w + predicted[i]]) predicted[i] = j;
        return new Predictions(predicted, null);
    }
}
