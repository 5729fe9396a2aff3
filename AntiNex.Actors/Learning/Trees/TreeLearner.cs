using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace AntiNex.Learning.Trees;

/// <summary>
/// Fits a gradient-boosted tree ensemble (ML.NET FastTree or LightGBM) on row-major float rows, e.g. a
/// <see cref="FeatureMatrix"/> or the training run's pipeline output. Knows nothing of requests or actors. Deterministic
/// for a seed with <see cref="TreeSpec.Threads"/> = 1.
/// </summary>
public static class TreeLearner
{
    /// <param name="x">row-major [rows x cols] inputs.</param>
    /// <param name="y">per row: the class index (0..classes-1) for classification, the target value for regression.</param>
    /// <param name="classes">2 = binary, k &gt; 2 = multi-class, 0 = regression.</param>
    /// <param name="ct">checked before and after the fit (ML.NET cannot interrupt a fit in progress).</param>
    /// <exception cref="TreeFitException">the learner could not fit these rows (LightGBM on a few dozen rows).</exception>
    public static TreeModel Fit(TreeSpec spec, float[] x, int rows, int cols, float[] y, int classes, int seed, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (rows <= 0 || cols <= 0) throw new ArgumentException($"need rows and columns, got {rows} x {cols}");
        if (x.Length < (long)rows * cols) throw new ArgumentException($"x holds {x.Length} values, fewer than {rows} x {cols}");
        if (y.Length < rows) throw new ArgumentException($"y holds {y.Length} values, fewer than {rows} rows");
        if (classes is 1 or < 0) throw new ArgumentException($"classes must be 0 (regression), 2 (binary) or more, got {classes}");
        if (spec.Threads < 1) throw new ArgumentException($"threads must be at least 1, got {spec.Threads}");
        ct.ThrowIfCancellationRequested();
        var task = classes == 0 ? TaskKind.Regression : classes == 2 ? TaskKind.Binary : TaskKind.MultiClass;
        // Classes absent from the rows get no ensemble of their own (probability 0): the learner sees the present ones only.
        int[] present = [];
        float[] labels = y.Length == rows ? y : y[..rows];
        if (task != TaskKind.Regression)
        {
            var seen = new bool[classes];
            for (int i = 0; i < rows; i++)
            {
                float c = y[i];
                if (c < 0 || c >= classes || c != MathF.Floor(c))
                    throw new ArgumentException($"y[{i}] = {c} is not a class index below {classes}");
                seen[(int)c] = true;
            }
            present = Enumerable.Range(0, classes).Where(c => seen[c]).ToArray();
            if (present.Length < 2) throw new ArgumentException($"the rows hold {present.Length} class; a classifier needs at least 2");
            if (task == TaskKind.MultiClass && present.Length < classes)
            {
                var compact = new int[classes];
                for (int j = 0; j < present.Length; j++) compact[present[j]] = j;
                labels = new float[rows];
                for (int i = 0; i < rows; i++) labels[i] = compact[(int)y[i]];
            }
        }
        var ml = new MLContext(seed);
        int learnerClasses = task == TaskKind.MultiClass ? present.Length : classes;
        var data = new MatrixDataView(x.AsMemory(0, rows * cols), rows, cols, labels, task, learnerClasses);
        ITransformer transformer;
        try { transformer = Estimator(ml, spec, task, seed).Fit(data); }
        catch (ArgumentNullException e) when (spec.Kind == TreeKind.LightGbm)
        {
            // ML.NET cannot take in a LightGBM tree without a split (dotnet/machinelearning#5022): a boosting round finds none
            // on a few dozen rows, or once the rows are separated.
            throw new TreeFitException($"LightGBM could not fit these {rows} rows: one of its boosting rounds found no split, which " +
                "ML.NET cannot take in (a few dozen rows, or rows it separates completely)", e);
        }
        ct.ThrowIfCancellationRequested();
        var model = new TreeModel(ml, transformer, spec.Kind, task, cols, classes, present);
        if (spec is { RefitIfDiverged: true, Kind: TreeKind.LightGbm, L2Regularization: null } && task != TaskKind.Regression
            && Diverged(model, x, rows, y, classes))
            return Fit(spec with { L2Regularization = StableL2, RefitIfDiverged = false }, x, rows, cols, y, classes, seed, ct).AsRefitted();
        return model;
    }

    /// <summary>The leaf-value penalty a diverged LightGBM classifier is fitted again with (XGBoost's default).</summary>
    public const double StableL2 = 1;

    /// <summary>
    /// True when the model's mean log loss on its own training rows exceeds that of predicting the class frequencies,
    /// where boosting starts: each boosting step should lower it, so ending above means the fit ran away (a runaway
    /// multi-class fit scores NaN for every class, read as the smallest probability).
    /// </summary>
    internal static bool Diverged(TreeModel model, float[] x, int rows, float[] y, int classes)
    {
        long cells = (long)rows * model.OutputWidth;
        if (cells > Array.MaxLength) throw new ArgumentException($"{rows:N0} rows x {model.OutputWidth:N0} outputs exceed one array");
        var p = new float[cells];
        model.Score(x.AsMemory(0, rows * model.Inputs), rows, p);
        var counts = new double[classes];
        for (int i = 0; i < rows; i++) counts[(int)y[i]]++;
        double prior = -counts.Where(n => n > 0).Sum(n => n * Math.Log(n / rows));
        const double floor = 1e-7;
        double fitted = 0;
        for (int i = 0; i < rows; i++)
        {
            int c = (int)y[i];
            double pc = model.OutputWidth == 1 ? (c == 1 ? p[i] : 1 - p[i]) : p[i * classes + c];
            fitted -= Math.Log(pc > floor ? Math.Min(pc, 1) : floor); // a runaway fit also scores NaN
        }
        return fitted > prior;
    }

    private static IEstimator<ITransformer> Estimator(MLContext ml, TreeSpec s, TaskKind task, int seed) => (s.Kind, task) switch
    {
        (TreeKind.FastTree, TaskKind.Regression) => ml.Regression.Trainers.FastTree(Fast(new FastTreeRegressionTrainer.Options(), s, seed)),
        (TreeKind.FastTree, TaskKind.Binary) => ml.BinaryClassification.Trainers.FastTree(Fast(new FastTreeBinaryTrainer.Options(), s, seed)),
        (TreeKind.FastTree, _) => ml.MulticlassClassification.Trainers.OneVersusAll(
            ml.BinaryClassification.Trainers.FastTree(Fast(new FastTreeBinaryTrainer.Options(), s, seed)), MatrixDataView.Label),
        (TreeKind.LightGbm, TaskKind.Regression) => ml.Regression.Trainers.LightGbm(Light(new LightGbmRegressionTrainer.Options(), s, seed)),
        (TreeKind.LightGbm, TaskKind.Binary) => ml.BinaryClassification.Trainers.LightGbm(Light(new LightGbmBinaryTrainer.Options(), s, seed)),
        (TreeKind.LightGbm, _) => ml.MulticlassClassification.Trainers.LightGbm(Light(new LightGbmMulticlassTrainer.Options(), s, seed)),
        _ => throw new ArgumentException($"unknown tree kind {s.Kind}"),
    };

    private static T Fast<T>(T o, TreeSpec s, int seed) where T : BoostedTreeOptions
    {
        o.LabelColumnName = MatrixDataView.Label;
        o.FeatureColumnName = MatrixDataView.Features;
        o.Seed = seed;
        o.NumberOfThreads = s.Threads;
        if (s.Trees is { } n) o.NumberOfTrees = n;
        if (s.Leaves is { } l) o.NumberOfLeaves = l;
        if (s.MinRowsPerLeaf is { } m) o.MinimumExampleCountPerLeaf = m;
        if (s.LearningRate is { } r) o.LearningRate = r;
        return o;
    }

    private static LightGbmBinaryTrainer.Options Light(LightGbmBinaryTrainer.Options o, TreeSpec s, int seed)
    {
        Light(ref o.LabelColumnName, ref o.FeatureColumnName, ref o.Seed, ref o.NumberOfThreads, ref o.Deterministic, s, seed);
        Light(ref o.NumberOfIterations, ref o.NumberOfLeaves, ref o.MinimumExampleCountPerLeaf, ref o.LearningRate, s);
        if (s.L2Regularization is { } l2) o.Booster = new GradientBooster.Options { L2Regularization = l2 };
        return o;
    }

    private static LightGbmMulticlassTrainer.Options Light(LightGbmMulticlassTrainer.Options o, TreeSpec s, int seed)
    {
        Light(ref o.LabelColumnName, ref o.FeatureColumnName, ref o.Seed, ref o.NumberOfThreads, ref o.Deterministic, s, seed);
        Light(ref o.NumberOfIterations, ref o.NumberOfLeaves, ref o.MinimumExampleCountPerLeaf, ref o.LearningRate, s);
        if (s.L2Regularization is { } l2) o.Booster = new GradientBooster.Options { L2Regularization = l2 };
        return o;
    }

    private static LightGbmRegressionTrainer.Options Light(LightGbmRegressionTrainer.Options o, TreeSpec s, int seed)
    {
        Light(ref o.LabelColumnName, ref o.FeatureColumnName, ref o.Seed, ref o.NumberOfThreads, ref o.Deterministic, s, seed);
        Light(ref o.NumberOfIterations, ref o.NumberOfLeaves, ref o.MinimumExampleCountPerLeaf, ref o.LearningRate, s);
        if (s.L2Regularization is { } l2) o.Booster = new GradientBooster.Options { L2Regularization = l2 };
        return o;
    }

    // LightGBM's three option classes share their fields through a generic base that cannot be named as a constraint.
    private static void Light(ref string label, ref string features, ref int? seed, ref int? threads, ref bool deterministic, TreeSpec s,
        int fitSeed)
    {
        (label, features, seed, threads, deterministic) = (MatrixDataView.Label, MatrixDataView.Features, fitSeed, s.Threads, true);
    }

    private static void Light(ref int iterations, ref int? leaves, ref int? minRows, ref double? rate, TreeSpec s)
    {
        if (s.Trees is { } n) iterations = n;
        if (s.Leaves is { } l) leaves = l;
        if (s.MinRowsPerLeaf is { } m) minRows = m;
        if (s.LearningRate is { } r) rate = r;
    }
}
