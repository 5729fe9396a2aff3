using System.Diagnostics;
using AntiNex.Learning.Trees;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>
/// model_kind fast_tree / light_gbm: the same steps as a network (same split, validation carve, feature pipeline fitted
/// on the fitting rows, CV on the training split, threshold on the validation rows, evaluation on the held-out rows),
/// with a gradient-boosted tree ensemble in place of the network's fit.
/// </summary>
internal sealed partial class TrainingRun
{
    /// <summary>The tree learner the request names; null for a network.</summary>
    private TreeKind? Trees => TreeKinds.Of(request.ModelKind);

    /// <summary>A single class is refused naming the field; the network options a tree ensemble does not use are noted (not when
    /// model_kind auto chose the trees: its report's selection says so, and the request's network options were for the network
    /// candidates).</summary>
    private void TreeRecipe(PreparedData data, bool chosenByAuto)
    {
        var q = request.Quality; // ensemble with trees is refused by the parser; novelty sits on top of the trees
        if (data.Classes is { } classes && classes.Distinct().Count() < 2)
            throw new RequestException("predict_feature", "the training rows hold a single class: a tree ensemble needs at least 2");
        if (q.OutlierExposure > 0 && data.Task != TaskKind.Binary)
            throw new RequestException("outlier_exposure",
                $"needs a binary target (normal vs attack): the training rows hold {data.Codec.ClassValues.Count} classes");
        if (chosenByAuto) return;
        var unused = new List<string>();
        if (q.EarlyStopping is not null) unused.Add("early_stopping");
        if (q.LrSchedule is not null) unused.Add("lr_schedule");
        if (q.WeightDecay > 0) unused.Add("weight_decay");
        if (q.BalancedClassWeights || q.ClassWeights is not null) unused.Add("class_weights");
        if (request.LearningRate is not null) unused.Add("learning_rate");
        _warnings.Add($"model_kind {request.ModelKind}: a gradient-boosted tree ensemble is trained; the network's options are not used" +
            " (model_desc, epochs, batch_size, loss, optimizer" + string.Concat(unused.Select(u => ", " + u)) + ")");
    }

    /// <summary>The served tree ensemble, fitted on the fitting rows (the validation carve only sets the threshold).</summary>
    private FinalFit FitTrees(TreeKind kind, PreparedData data, RowSplit split)
    {
        var r = request;
        var (fitRows, valRows) = RowSplit.Carve(r, split.TrainRows, data.Classes, r.Seed);
        var pipeline = FeaturePipeline.Fit(data.Frame, fitRows, data.Features, r);
        CheckNoveltySize(pipeline.Width);
        var train = ToTensorData(pipeline, data.Frame, fitRows, data.Y, data.Classes, data.Codec);
        var val = valRows.Length > 0 ? ToTensorData(pipeline, data.Frame, valRows, data.Y, data.Classes, data.Codec) : null;
        var test = ToTensorData(pipeline, split.TestFrame, split.TestRows, split.TestY, split.TestClasses, data.Codec);
        // Without a threshold to choose on them, the validation rows are fitted on too: trees do not stop early, so the carve
        // would only be data withheld (the pipeline and the novelty detector still come from the fitting rows).
        var treeRows = r.Quality.Threshold is null or { Value: not null } && val is not null ? split.TrainRows : fitRows;
        var treeData = treeRows == fitRows ? train : ToTensorData(pipeline, data.Frame, treeRows, data.Y, data.Classes, data.Codec);
        treeData = Exposed(treeData, pipeline, data, split.TrainRows, r.Quality.OutlierExposure, r.Seed);
        Report("fit", $"fitting {r.ModelKind} on {treeRows.Length} rows");
        var watch = Stopwatch.StartNew();
        var trees = FitTreeModel(kind, treeData, data.Codec, r.Seed);
        var threshold = Metrics.ThresholdOf(r.Quality.Threshold, val?.Classes, () => Scored(trees, val!));
        // The novelty detector on top of the trees: fitted and thresholded exactly as on top of a network.
        (NoveltyDetector Detector, NoveltyState State, int FitRows, int ValidationRows)? novelty = null;
        if (r.Quality.Novelty is { } o && val is not null)
        {
            Report("novelty", "fitting the normal-profile novelty detector");
            novelty = NoveltyProfile.Fit(train, val, NoveltyNormalClass(o, data.Task, data.Codec), o, r.Seed, ct);
        }
        watch.Stop();
        var seconds = watch.Elapsed.TotalSeconds;
        return new FinalFit(pipeline, null, novelty?.Detector, new FitResult([], 0, new FitInfo(1, null, 0)), threshold, test, treeRows.Length,
            valRows.Length, FitSeconds: seconds, TrainingSeconds: seconds)
        { Trees = trees, Profile = novelty is { } p ? (p.State, p.FitRows, p.ValidationRows) : null };
    }

    /// <summary>One CV fold with a tree ensemble: the fold's own carve and pipeline, as the final fit. Unlike the final fit, the
    /// fold's tree is fitted on the carve's fitting rows only, even when no threshold is chosen on its validation rows (the
    /// final fit then takes every training row), so a fold scores a tree fitted on somewhat fewer rows than the served one.</summary>
    private double TreeFoldScore(TreeKind kind, PreparedData data, int[] trainRows, int[] testRows, FitSettings settings, int fold)
    {
        var (fitRows, valRows) = RowSplit.Carve(request, trainRows, data.Classes, (int)settings.Seed);
        var pipeline = FeaturePipeline.Fit(data.Frame, fitRows, data.Features, request);
        var train = ToTensorData(pipeline, data.Frame, fitRows, data.Y, data.Classes, data.Codec);
        var test = ToTensorData(pipeline, data.Frame, testRows, data.Y, data.Classes, data.Codec);
        Report("cv", $"fold {fold}/{request.NumSplits}: fitting {request.ModelKind}");
        var exposed = Exposed(train, pipeline, data, trainRows, request.Quality.OutlierExposure, settings.Seed);
        var trees = FitTreeModel(kind, exposed, data.Codec, (int)settings.Seed);
        var val = valRows.Length > 0 && request.Quality.Threshold is { Value: null }
            ? ToTensorData(pipeline, data.Frame, valRows, data.Y, data.Classes, data.Codec) : null;
        var threshold = Metrics.ThresholdOf(request.Quality.Threshold, val?.Classes, () => Scored(trees, val!));
        var outputs = new float[ArrayCells.Of(test.Rows, trees.OutputWidth, "predict_feature", "class outputs")];
        trees.Score(test.X, test.Rows, outputs);
        return FoldScoreOf(outputs, test, testRows, data.Y, data.Codec, trees.OutputWidth, threshold);
    }

    /// <summary>The ensemble's outputs for the rows (binary: the attack probability per row).</summary>
    private static float[] Scored(TreeModel trees, TensorData rows)
    {
        var scores = new float[ArrayCells.Of(rows.Rows, trees.OutputWidth, "predict_feature", "class outputs")];
        trees.Score(rows.X, rows.Rows, scores);
        return scores;
    }

    /// <summary>The tree rows with outlier exposure's synthetic not-normal rows added (binary; <paramref name="share"/> 0 = as given).</summary>
    private TensorData Exposed(TensorData train, FeaturePipeline pipeline, PreparedData data, int[] trainRows, double share, long seed)
    {
        if (share <= 0 || data.Task != TaskKind.Binary) return train;
        int normal = NormalClassOf(data, trainRows);
        var widths = pipeline.Features.Where(f => f.Width > 0).Select(f => f.Width).ToList();
        var exposed = OutlierExposure.Augment(train, widths, normal, 1 - normal, share, seed);
        Report("fit", $"outlier exposure: {exposed.Rows - train.Rows} synthetic not-normal rows added to {train.Rows}");
        return exposed;
    }

    /// <summary>Class indices, or the (scaled) regression target, as the network trains on them.</summary>
    private TreeModel FitTreeModel(TreeKind kind, TensorData train, TargetCodec codec, long seed)
    {
        var y = train.Classes is { } c ? c.Select(v => (float)v).ToArray() : train.Targets!;
        int classes = codec.Regression ? 0 : codec.ClassValues.Count;
        TreeModel model;
        try { model = TreeLearner.Fit(TreeSpec.Served(kind), train.X, train.Rows, train.Width, y, classes, (int)seed, ct); }
        catch (TreeFitException e) { throw new RequestException("model_kind", $"{e.Message}; use fast_tree or network"); }
        if (model.Refitted)
        {
            var note = $"{TreeKinds.Name(kind)}: the first fit diverged (its training rows' log loss above the class frequencies'); "
                + $"fitted again with an L2 penalty of {TreeLearner.StableL2} on leaf values";
            Report("fit", note);
            if (!_warnings.Contains(note)) _warnings.Add(note);
        }
        return model;
    }
}
