using System.Diagnostics;
using AntiNex.Data;
using AntiNex.Learning.Trees;
using AntiNex.Reporting;
using AntiNex.Requests;
using TorchSharp;

namespace AntiNex.Learning;

/// <summary>
/// One training, as named steps: prepare the data -> split the rows -> check the recipe -> cross-validate on the
/// training split -> fit the final network(s) on the training split -> evaluate on the held-out rows -> package the
/// artifact, report and predictions. <see cref="FeatureExport"/> runs the same first two steps.
/// </summary>
internal sealed partial class TrainingRun(AntiNexRequest request, DataRoots roots, EngineOptions options,
    IProgress<TrainingProgress>? progress, CancellationToken ct)
{
    private readonly List<string> _warnings = [];

    public TrainingOutcome Run()
    {
        var wall = Stopwatch.StartNew();
        TorchSetup.Apply(options);
        Report("load", "loading data");
        // Cross-validation only (a search trial): the test file is never opened, its rows are never seen.
        var data = PreparedData.Load(request, roots, loadTestFile: !options.CrossValidationOnly, _warnings, ct, options.EffectiveLimits);
        // Text classes the request left unmapped: the rest of the run (and the stored model) carries the derived rules as its own;
        // so it does a map the training values extended (keys in another letter case).
        if (data.Numbering is { } n) return Sibling(WithNumbering(request, n)).Proceed(data, wall);
        return ReferenceEquals(data.TargetRules, request.TargetRules)
            ? Proceed(data, wall)
            : Sibling(WithRules(request, data.TargetRules)).Proceed(data, wall);
    }

    private static AntiNexRequest WithRules(AntiNexRequest request, TargetRules? rules)
    {
        var copy = request.Copy();
        copy.TargetRules = rules;
        return copy;
    }

    private static AntiNexRequest WithNumbering(AntiNexRequest request, ClassNumbering numbering)
    {
        var copy = WithRules(request, numbering.Rules);
        copy.LabelRules = numbering.Labels;
        return copy;
    }

    private TrainingOutcome Proceed(PreparedData data, Stopwatch wall)
    {
        var split = RowSplit.Of(request, data, testFileNamed: options.CrossValidationOnly && request.TestDataset is not null);
        data = WithScaledTarget(data, split.TrainRows);
        return request.ModelKind == ModelKinds.Auto ? RunAuto(data, split, wall) : Continue(data, split, wall, null);
    }

    /// <summary>The steps after the split: recipe, CV, final fit, evaluation, packaging (with the auto mode's selection report).</summary>
    private TrainingOutcome Continue(PreparedData data, RowSplit split, Stopwatch wall, SelectionReport? selection)
    {
        var settings = Recipe(data, selection is not null);
        var cv = CrossValidate(data, split, settings);
        if (options.CrossValidationOnly)
        {
            cv.Ensemble?.Network.Dispose(); // a search trial keeps scores only: free the fold networks' native memory now
            return CrossValidationOutcome(cv.Folds, split.TrainRows.Length, wall);
        }
        var fit = Trees is { } kind ? FitTrees(kind, data, split) : FitFinal(data, split, settings, cv.Ensemble);
        using var model = fit.Trees is { } trees ? new TrainedModel(StateOf(data, split, fit), trees, 0, fit.Novelty)
            : new TrainedModel(StateOf(data, split, fit), fit.Network!, 0, fit.Novelty); // owns the networks now
        var (report, curves) = Evaluate(model, data, split, fit, cv);
        report = report with { Selection = selection };
        return Package(model, report, curves, data, fit, wall);
    }

    /// <summary>A regression target with apply_scaler is min-max scaled on the rows a model is fitted on: the training
    /// rows (never the test rows), or auto's inner fitting rows (never its selection rows).</summary>
    private PreparedData WithScaledTarget(PreparedData data, IReadOnlyList<int> rows)
    {
        if (!data.Regression || !request.ApplyScaler) return data;
        var ys = rows.Select(i => data.Y[i]).ToArray();
        return data with
        {
            Codec = data.Codec with
            {
                Scale = true,
                Min = ys.Min(),
                Max = ys.Max(),
                Lo = request.MinScalerRange,
                Hi = request.MaxScalerRange
            }
        };
    }

    /// <summary>The fit recipe, after the quality options have been checked against the task and the data.</summary>
    private FitSettings Recipe(PreparedData data, bool chosenByAuto = false)
    {
        var r = request;
        var q = r.Quality;
        var task = data.Task;
        var settings = new FitSettings(task, r.Epochs, r.BatchSize, r.Loss, r.Optimizer, r.LearningRate, r.Seed)
        {
            WeightDecay = q.WeightDecay, Schedule = q.LrSchedule, EarlyStopping = q.EarlyStopping,
        };
        if (q.EarlyStopping is not null && q.ValidationSplit <= 0)
            throw new RequestException("early_stopping",
                "needs validation_split > 0: it watches a validation split carved from the training rows, never the test rows");
        if (q.Threshold is not null && task != TaskKind.Binary)
            throw new RequestException("threshold", "applies to a binary model (1 sigmoid output) only");
        if (q.Threshold is { Value: null } && q.ValidationSplit <= 0 && !q.EnsembleFolds) // a fold ensemble chooses it on out-of-fold predictions
            throw new RequestException("threshold", "needs validation_split > 0: the threshold is chosen on validation rows, never on the test rows");
        if (q.Novelty is { } nov) NoveltyNormalClass(nov, task, data.Codec);
        if (q.Novelty is not null && q.EnsembleFolds)
            throw new RequestException("novelty",
                "cannot be combined with ensemble.folds: the detector is fitted and thresholded on a validation split, which a fold ensemble does " +
                "not carve");
        if ((q.BalancedClassWeights || q.ClassWeights is not null) && data.Regression)
            throw new RequestException("class_weights", "applies to classification only");
        if (q.ClassWeights is { } explicitWeights)
            foreach (var key in explicitWeights.Keys)
                if (!double.TryParse(key, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var cv)
                    || data.Codec.IndexOf(cv) < 0)
                    throw new RequestException($"class_weights.{key}",
                        $"is not a class value of the training data ({string.Join(", ", data.Codec.ClassValues.Select(PreparedData.FormatValue))})");
        if (Trees is not null) TreeRecipe(data, chosenByAuto);
        if (task == TaskKind.Binary && r.Loss == "categorical_crossentropy")
            _warnings.Add("categorical_crossentropy on a 1-unit output is computed as binary_crossentropy");
        return settings;
    }

    /// <summary>What cross-validation gives: the fold scores, and with ensemble.folds the fold networks as the model.</summary>
    private sealed record CrossValidation(List<FoldScore> Folds, FoldEnsemble? Ensemble);

    /// <summary>k-fold CV on the training split only (stratified for classification, shuffled with the seed).</summary>
    private CrossValidation CrossValidate(PreparedData data, RowSplit split, FitSettings settings)
    {
        var r = request;
        var folds = new List<FoldScore>();
        bool crossValidate = r.NumSplits >= 2 && r.MlType != MlTypes.Standalone;
        if (r.Quality.EnsembleFolds && !crossValidate)
            throw new RequestException("ensemble.folds",
                $"needs cross-validation (num_splits >= 2, got {r.NumSplits}; not standalone-classification)");
        if (!crossValidate) return new CrossValidation(folds, null);
        var trainRows = split.TrainRows;
        if (data.Classes is { } classes)
        {
            var smallest = trainRows.GroupBy(i => classes[i]).Select(g => (Class: g.Key, Count: g.Count())).MinBy(g => g.Count);
            if (smallest.Count < r.NumSplits)
                throw new RequestException("num_splits",
                    $"{r.NumSplits} folds but class {data.Codec.ClassNames[smallest.Class]} has only {smallest.Count} training rows");
        }
        else if (trainRows.Length < r.NumSplits)
            throw new RequestException("num_splits", $"{r.NumSplits} folds but only {trainRows.Length} training rows");
        var foldOf = Splits.KFold(trainRows.Length, r.NumSplits, data.Classes is { } c ? trainRows.Select(i => c[i]).ToArray() : null, r.Seed);
        if (r.Quality.EnsembleFolds)
            return new CrossValidation(folds, TrainFoldEnsemble(data, trainRows, foldOf, settings, folds));
        for (int f = 0; f < r.NumSplits; f++)
        {
            ct.ThrowIfCancellationRequested();
            var fTrain = trainRows.Where((_, i) => foldOf[i] != f).ToArray();
            var fTest = trainRows.Where((_, i) => foldOf[i] == f).ToArray();
            // A fold's regression target range comes from its own fitting rows: a search ranks trials by these scores.
            var score = FitAndScore(WithScaledTarget(data, fTrain), fTrain, fTest, settings with { Seed = r.Seed + 1000L * (f + 1) }, f + 1);
            folds.Add(new FoldScore(f + 1, score, fTrain.Length, fTest.Length));
        }
        return new CrossValidation(folds, null);
    }

    /// <summary>The served network(s), or tree ensemble, and what their fit did. Owns the networks until a
    /// <see cref="TrainedModel"/> takes them.</summary>
    private sealed record FinalFit(FeaturePipeline Pipeline, DenseNetwork? Network, NoveltyDetector? Novelty, FitResult Fit,
        double? Threshold, TensorData TestData, int FitRows, int ValidationRows, double FitSeconds, double TrainingSeconds)
    {
        public (NoveltyState State, int FitRows, int ValidationRows)? Profile { get; init; }
        public TreeModel? Trees { get; init; }
    }

    /// <summary>
    /// The final fit on the whole training split. validation_split: carved (stratified, seeded) from the training split;
    /// scaler, weights, early stopping, threshold and the novelty detector see only these rows; the test rows are only
    /// evaluated. A fold ensemble has no final fit: its members and their shared pipeline come from the CV.
    /// </summary>
    private FinalFit FitFinal(PreparedData data, RowSplit split, FitSettings settings, FoldEnsemble? foldEnsemble)
    {
        var r = request;
        var q = r.Quality;
        var (fitRows, valRows) = foldEnsemble is null ? RowSplit.Carve(r, split.TrainRows, data.Classes, r.Seed) : (split.TrainRows, []);
        var pipeline = foldEnsemble?.Pipeline ?? FeaturePipeline.Fit(data.Frame, fitRows, data.Features, r);
        var (trainData, valData, testData) = FinalData(data, split, pipeline, fitRows, valRows, foldEnsemble is not null);
        settings = settings with { ClassWeights = ClassWeightsFor(fitRows, data.Classes, data.Codec) };
        CheckNoveltySize(pipeline.Width);
        DenseNetwork net;
        using (var initGen = new torch.Generator((ulong)r.Seed))
            net = foldEnsemble?.Network ?? NewNetwork(pipeline.Width, data.Layers, initGen, q.EnsembleSeeds);
        NoveltyDetector? novelty = null;
        try
        {
            var fitWatch = Stopwatch.StartNew();
            // The per-epoch val_* columns are the validation split when there is one (it drives stopping), else the test rows (report only).
            // Without a validation split the test rows are scored for the report only: nothing in the fit watches them.
            bool validationIsTest = valData is null;
            // Test rows of classes the training rows lack are left out of the report (as the warning says): as
            // validation data their class index (-1) would fail the loss.
            var epochValidation = valData ?? testData.KnownClassesOnly();
            var fit = foldEnsemble is not null
                ? new FitResult(foldEnsemble.History, foldEnsemble.ValidationSeconds, foldEnsemble.Info)
                : Trainer.Fit(new FitRequest(net, trainData!, epochValidation, settings, progress, "fit")
                {
                    ValidationIsTest = validationIsTest,
                }, ct);
            // ensemble.seeds: more networks from other seeds, same rows and recipe; ONE artifact averages them.
            var extraMembers = new List<DenseNetwork>();
            double validationSeconds = fit.ValidationSeconds;
            try
            {
                for (int m = 1; m < q.EnsembleSeeds; m++)
                {
                    long memberSeed = r.Seed + 7919L * m;
                    using var memberGen = new torch.Generator((ulong)memberSeed);
                    var member = NewNetwork(pipeline.Width, data.Layers, memberGen);
                    extraMembers.Add(member);
                    var memberFit = Trainer.Fit(new FitRequest(member, trainData!, epochValidation, settings with { Seed = memberSeed },
                        progress, "ensemble", m + 1, q.EnsembleSeeds)
                    { ValidationIsTest = validationIsTest }, ct);
                    validationSeconds += memberFit.ValidationSeconds;
                }
            }
            finally { net.AttachMembers(extraMembers); } // attached, they are disposed with the network
            fitWatch.Stop();
            // The epochs' per-batch garbage leaves the GC holding tens of MiB it no longer needs; a large file's evaluation and
            // predictions would raise the process's peak on top of it, so it goes back first.
            if (_datasetMatrix is { Rows: >= Data.NumericColumn.ChunkRows })
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            MemoryTrace.Mark("fit done");
            double? threshold = Metrics.ThresholdOf(q.Threshold, valData?.Classes, () => Trainer.Forward(net, valData!)) ?? foldEnsemble?.Threshold;
            // novelty: a profile of the normal class's fitting rows, thresholded on its validation rows (never the test rows).
            (NoveltyState State, int FitRows, int ValidationRows)? profile = null;
            var noveltyWatch = new Stopwatch();
            if (q.Novelty is { } noveltyOptions)
            {
                Report("novelty", "fitting the normal-profile novelty detector");
                noveltyWatch.Start();
                var p = NoveltyProfile.Fit(trainData!, valData!, NoveltyNormalClass(noveltyOptions, data.Task, data.Codec), noveltyOptions, r.Seed,
                    ct);
                noveltyWatch.Stop();
                novelty = p.Detector;
                profile = (p.State, p.FitRows, p.ValidationRows);
            }
            return new FinalFit(pipeline, net, novelty, fit with { ValidationSeconds = validationSeconds }, threshold, testData,
                fitRows.Length, valRows.Length,
                FitSeconds: fitWatch.Elapsed.TotalSeconds + noveltyWatch.Elapsed.TotalSeconds, // the detector is part of the model's fit
                TrainingSeconds: fitWatch.Elapsed.TotalSeconds - validationSeconds)
            { Profile = profile };
        }
        catch
        {
            net.Dispose();
            novelty?.Dispose();
            throw;
        }
    }

    /// <summary>The model's stored description: task, pipeline, layers, target codec, threshold, novelty profile.</summary>
    private ModelState StateOf(PreparedData data, RowSplit split, FinalFit fit) => new()
    {
        Label = request.Label, MlType = request.MlType, PredictFeature = data.PredictFeature, Task = data.Task, Pipeline = fit.Pipeline,
        Layers = fit.Trees is null ? data.Layers : [], NetworkInputs = fit.Pipeline.Width, Target = data.Codec, LabelRules = request.LabelRules,
        TargetRules = request.TargetRules, CreatedUtc = DateTimeOffset.UtcNow, Seed = request.Seed, Loss = request.Loss,
        Optimizer = request.Optimizer, TrainRows = split.TrainRows.Length, TestRows = split.TestRows.Length, CsvHeader = request.CsvHeader,
        Columns = request.Columns, MarkEmpty = request.MarkEmpty is -1 ? null : request.MarkEmpty,
        NonFinite = request.NonFiniteAsEmpty ? CellRules.NonFiniteName(true) : null,
        Threshold = fit.Threshold, EnsembleSize = fit.Network?.EnsembleSize ?? 1, Novelty = fit.Profile?.State,
        ModelKind = fit.Trees is { } trees ? TreeKinds.Name(trees.Kind) : null,
    };

    /// <summary>Scores the model on the held-out rows: the report's metrics (also stored in the model's state), and for
    /// a binary model the ROC/PR curve points.</summary>
    private (TrainingReport Report, (List<(double X, double Y)> Roc, List<(double X, double Y)> Pr)? Curves) Evaluate(
        TrainedModel model, PreparedData data, RowSplit split, FinalFit fit, CrossValidation cv)
    {
        Report("evaluate", "evaluating on the held-out rows");
        var q = request.Quality;
        var state = model.State;
        var testData = fit.TestData;
        int testRows = split.TestRows.Length;
        var outputs = SplitOutputs(model, testData);
        var novel = fit.Novelty is null ? null : model.NoveltyLocked(testData.Dense(), testData.Rows);
        // Decided as serving decides them: a row with a non-finite output gets the alarm class, not argmax's class 0.
        var unscorable = InputGuard.FlagNonFiniteOutputs(outputs, testRows, null);
        if (unscorable is not null)
            _warnings.Add($"{unscorable.Count(f => f):N0} of {testRows:N0} test rows had non-finite network outputs (a diverged network?); " +
                "they are scored as serving answers them, as unscorable rows");
        MemoryTrace.Mark("test rows scored");
        var folds = cv.Folds;
        var report = new TrainingReport
        {
            Label = request.Label, MlType = request.MlType, History = fit.Fit.History, Cv = folds,
            CvMean = folds.Count > 0 ? folds.Average(f => f.Score) : null,
            CvStd = folds.Count > 0 ? Metrics.Std(folds.Select(f => f.Score).ToList()) : null,
            TrainRows = split.TrainRows.Length, TestRows = testRows,
            RowsPerSecond = fit.TrainingSeconds > 0 ? (double)fit.FitRows * fit.Fit.Info.EpochsRun * state.EnsembleSize / fit.TrainingSeconds
                : 0,
            ValidationRows = fit.ValidationRows, EpochsRun = fit.Fit.Info.EpochsRun, BestEpoch = fit.Fit.Info.BestEpoch,
            EnsembleSize = state.EnsembleSize, FitSeconds = fit.FitSeconds, ValidationSeconds = fit.Fit.ValidationSeconds,
            ModelKind = state.ServedKind,
        };
        (List<(double X, double Y)> Roc, List<(double X, double Y)> Pr)? curves = null;
        if (data.Regression)
        {
            var truth = split.TestRows.Select(i => split.TestY[i]).ToArray();
            var pred = Enumerable.Range(0, testRows).Select(i => model.Decode(outputs, i, unscorable: unscorable?[i] ?? false).Value).ToArray();
            var (mse, mae, r2) = Metrics.Regress(truth, pred);
            report = report with { Mse = mse, Mae = mae, R2 = r2 };
            state = state with { Mse = mse, Mae = mae, R2 = r2 };
        }
        else
        {
            var truth = testData.Classes!;
            var decoded = Enumerable.Range(0, testRows).Select(i => model.Decode(outputs, i, novel?[i] ?? false, unscorable?[i] ?? false)).ToArray();
            var scores = data.Task == TaskKind.Binary ? Enumerable.Range(0, testRows).Select(i => (double)outputs[i]).ToArray() : null;
            var m = Metrics.Classify(truth, decoded.Select(d => d.Class).ToArray(), data.Codec.ClassValues.Count, scores);
            var perClass = Metrics.PerClass(m.Confusion, data.Codec.ClassNames);
            bool unscored = Metrics.PositiveUnscored(m);
            double? Headline(double v) => unscored ? null : v; // undefined, as the per-class table says, rather than 0
            report = report with
            {
                Accuracy = m.Accuracy,
                Precision = Headline(m.Precision),
                Recall = Headline(m.Recall),
                F1 = Headline(m.F1),
                RocAuc = m.RocAuc,
                ConfusionMatrix = m.Confusion,
                ClassNames = data.Codec.ClassNames,
                PerClass = perClass,
                MacroF1 = Metrics.Scored(perClass).Select(c => c.F1).DefaultIfEmpty(0).Average(),
            };
            if (scores is not null)
            {
                double threshold = fit.Threshold ?? 0.5;
                report = report with
                {
                    Threshold = threshold,
                    ThresholdRule = q.Threshold?.Describe("the validation split"),
                    AtHalf = Metrics.At(truth, scores, 0.5),
                    AtThreshold = Metrics.At(truth, scores, threshold),
                };
                if (fit.Profile is { } p && novel is not null)
                    report = report with
                    {
                        Novelty = NoveltyProfile.Report(p.State, q.Novelty!, p.FitRows, p.ValidationRows, truth, scores,
                        threshold, novel)
                    };
                if (options.PlotDirectory is not null) curves = Metrics.Curves(truth, scores);
            }
            state = state with { TestAccuracy = m.Accuracy, Precision = report.Precision, Recall = report.Recall, F1 = report.F1, RocAuc = m.RocAuc };
        }
        if (cv.Ensemble is not null) report = cv.Ensemble.Amend(report);
        model.Restate(state with { CvMean = report.CvMean });
        return (report, curves);
    }

    /// <summary>The model's outputs for the data's rows. An indexed split (rows of the file's matrix) goes through one reused block
    /// of <see cref="Trainer.EvaluateChunkRows"/> rows, the forward pass's own chunks, so its outputs are the very ones a
    /// contiguous copy of the split gives, without that copy.</summary>
    private static float[] SplitOutputs(TrainedModel model, TensorData data)
    {
        if (data.Index is null) return model.ForwardLocked(data.X, data.Rows);
        int chunk = Trainer.EvaluateChunkRows;
        var block = new float[(long)Math.Min(chunk, data.Rows) * data.Width];
        float[]? outputs = null;
        for (int start = 0; start < data.Rows; start += chunk)
        {
            int len = Math.Min(chunk, data.Rows - start);
            data.CopyRows(start, len, block);
            var part = model.ForwardLocked(block, len);
            int width = part.Length / len;
            outputs ??= new float[(long)data.Rows * width];
            Array.Copy(part, 0, outputs, (long)start * width, (long)len * width);
        }
        return outputs ?? [];
    }

    internal const string InSampleNote = " (in-sample: the training dataset's own rows, as the original AntiNex reported them; "
        + "the held-out figures are the report's)";

    /// <summary>The artifact, the per-sample predictions (the request's predict_rows, else every row of the dataset, as
    /// the original) and the pictures; a plot never fails a training.</summary>
    private TrainingOutcome Package(TrainedModel model, TrainingReport report,
        (List<(double X, double Y)> Roc, List<(double X, double Y)> Pr)? curves,
        PreparedData data, FinalFit fit, Stopwatch wall)
    {
        var artifact = model.ToArtifact();
        Frame predictFrame = data.Frame;
        if (request.PredictRows is not null && request.Dataset is not null)
        {
            predictFrame = Frame.FromPredictRows(request.PredictRows, model.PredictPlan(data.PredictFeature), CellRules.Of(request), "predict_rows");
            _warnings.AddRange(predictFrame.IncompleteRowWarnings());
            _warnings.AddRange(model.State.Pipeline.UnseenCategoryWarnings(predictFrame, "predict_rows"));
            if (predictFrame.NonFiniteWarning("predict_rows", request.MarkEmpty) is { } nonFinite) _warnings.Add(nonFinite);
        }
        var predictions = predictFrame == data.Frame && _datasetMatrix is { } m
            ? model.PredictFrameRows(m.X, m.Beyond, predictFrame, request.Label, request.MaxRecords)
            : model.PredictFrame(predictFrame, request.Label, request.MaxRecords);
        // The original's line over the dataset's own rows scores rows the model trained on: said so, after the line itself, so
        // its accuracy is not read as the model's quality (the report's held-out figures are).
        if (predictFrame == data.Frame && predictions.Accuracy is not null)
            predictions = predictions with { Summary = predictions.Summary + InSampleNote };
        MemoryTrace.Mark("file rows predicted");
        wall.Stop();
        var plots = new List<string>();
        if (options.PlotDirectory is { } plotDir)
        {
            if (curves is { } c)
                Plot(() => plots.AddRange(CurvePlots.Write(plotDir, request.Label, c)), "ROC/PR curves not plotted");
            Plot(() => plots.AddRange(PlotWriter.WriteAll(report, plotDir)), "training curves not plotted");
            Plot(() => PlotWriter.RemoveStale(plotDir, request.Label, plots), "an older training's plots not removed");
        }
        if (request.ShowModelJson && fit.Trees is null)
            _warnings.Add("model: " + string.Join(" -> ", data.Layers.Select(
                l => $"dense {l.Units} {l.Init} {l.Activation}" + (l.Dropout > 0 ? $" dropout {l.Dropout}" : ""))) +
                $" (inputs {fit.Pipeline.Width})");
        report = report with { TrainSeconds = wall.Elapsed.TotalSeconds, Warnings = _warnings, Plots = plots };
        return new TrainingOutcome(artifact, report, predictions);
    }

    private void Plot(Action draw, string failure)
    {
        try { draw(); }
        // A picture is an extra: whatever the drawing library throws is a warning, never a failed training.
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _warnings.Add($"{failure}: {e.Message}");
        }
    }

    /// <summary>class_weights per class index: "balanced" = n / (k * count_c) on the fitting rows, or the explicit map (default 1).</summary>
    private float[]? ClassWeightsFor(int[] rows, int[]? classes, TargetCodec codec)
    {
        var q = request.Quality;
        if (classes is null) return null;
        int k = codec.ClassValues.Count;
        if (q.BalancedClassWeights)
        {
            var counts = new int[k];
            foreach (var i in rows) counts[classes[i]]++;
            return counts.Select(c => c == 0 ? 1f : (float)((double)rows.Length / (k * c))).ToArray();
        }
        if (q.ClassWeights is { } map)
        {
            var w = Enumerable.Repeat(1f, k).ToArray();
            foreach (var (key, value) in map)
                w[codec.IndexOf(double.Parse(key, System.Globalization.CultureInfo.InvariantCulture))] = (float)value;
            return w;
        }
        return null;
    }

    /// <summary>novelty's checks against the training data: binary only, a validation split, a known normal class.</summary>
    private int NoveltyNormalClass(NoveltyOptions o, TaskKind task, TargetCodec codec)
    {
        if (task != TaskKind.Binary)
            throw new RequestException("novelty", "applies to a binary model (1 sigmoid output) only");
        if (request.Quality.ValidationSplit <= 0)
            throw new RequestException("novelty",
                "needs validation_split > 0: its threshold is set on validation rows of the normal class, never on the test rows");
        int c = codec.IndexOf(o.NormalClass);
        if (c < 0)
            throw new RequestException("novelty.normal_class",
                $"{PreparedData.FormatValue(o.NormalClass)} is not a class value of the training data " +
                $"({string.Join(", ", codec.ClassValues.Select(PreparedData.FormatValue))})");
        return c;
    }

    /// <summary>A search trial's result: the CV scores alone (no final fit, no artifact, no test metrics).</summary>
    private TrainingOutcome CrossValidationOutcome(List<FoldScore> folds, int trainRows, Stopwatch wall)
    {
        if (folds.Count == 0)
            throw new RequestException("num_splits",
                $"cross-validation only needs num_splits >= 2 and a classification or regression ml_type, got {request.NumSplits} " +
                $"({request.MlType})");
        var scores = folds.Select(f => f.Score).ToList();
        return new TrainingOutcome([], new TrainingReport
        {
            Label = request.Label, MlType = request.MlType, Cv = folds, CvMean = scores.Average(), CvStd = Metrics.Std(scores),
            TrainRows = trainRows, TrainSeconds = wall.Elapsed.TotalSeconds, Warnings = _warnings,
        }, null);
    }

    /// <summary>A fresh network, once its exact size (inputs after one-hot) is within the limit; <paramref name="seeds"/> networks
    /// of that size (ensemble.seeds) are held at once, so together they must be within it too.</summary>
    private DenseNetwork NewNetwork(int inputs, IReadOnlyList<LayerSpec> layers, torch.Generator init, int seeds = 1)
    {
        CheckNetworkSize(inputs, layers, seeds, folds: false);
        return new DenseNetwork(inputs, layers, init);
    }

    /// <summary>One network of the exact size (inputs after one-hot), then <paramref name="members"/> of them held at once:
    /// ensemble.seeds' seeds, or with <paramref name="folds"/> ensemble.folds' fold networks.</summary>
    private void CheckNetworkSize(int inputs, IReadOnlyList<LayerSpec> layers, int members, bool folds)
    {
        var limit = options.EffectiveLimits.MaxNetworkParameters;
        var size = NetworkSize.Parameters(inputs, layers.Select(l => l.Units));
        if (size > limit) throw new RequestException("model_desc.layers", NetworkSize.TooLarge(size, limit) + $" ({inputs} inputs after one-hot)");
        var all = NetworkSize.Ensemble(inputs, layers.Select(l => l.Units), members);
        if (all <= limit) return;
        throw folds
            ? new RequestException("ensemble.folds", NetworkSize.FoldsTooLarge(all, members, limit) + $" ({inputs} inputs after one-hot)")
            : new RequestException("ensemble", NetworkSize.EnsembleTooLarge(all, members, limit) + $" ({inputs} inputs after one-hot)");
    }

    /// <summary>The request's novelty autoencoder at its exact input width, checked before any model is fitted.</summary>
    private void CheckNoveltySize(int inputs)
    {
        if (request.Quality.Novelty is not { } o) return;
        var limit = options.EffectiveLimits.MaxNetworkParameters;
        var size = NetworkSize.Autoencoder(inputs, o.Layers);
        if (size > limit)
            throw new RequestException("novelty.layers", NetworkSize.AutoencoderTooLarge(size, limit) + $" ({inputs} inputs after one-hot)");
    }

    private void Report(string phase, string message)
        => progress?.Report(new TrainingProgress(phase, 0, 0, 0, 0, 0, null, null, null, message));

    private static TensorData ToTensorData(FeaturePipeline pipeline, Frame frame, int[] rows, double[] y, int[]? classes, TargetCodec codec)
    {
        var x = pipeline.Transform(frame, rows);
        return codec.Regression
            ? new TensorData(x, rows.Length, pipeline.Width, null, rows.Select(i => (float)codec.ScaleTarget(y[i])).ToArray())
            : new TensorData(x, rows.Length, pipeline.Width, rows.Select(i => classes![i]).ToArray(), null);
    }

    /// <summary>One CV fold: scaler fitted on the fold's training rows, a fresh network; score = accuracy % or MSE (target units).</summary>
    private double FitAndScore(PreparedData data, int[] trainRows, int[] testRows, FitSettings settings, int fold)
    {
        if (Trees is { } kind) return TreeFoldScore(kind, data, trainRows, testRows, settings, fold);
        // The fold repeats the final fit's recipe inside its own training rows: validation carve, scaler, weights, stopping.
        var (frame, y, classes, codec) = (data.Frame, data.Y, data.Classes, data.Codec);
        var (fitRows, valRows) = RowSplit.Carve(request, trainRows, classes, (int)settings.Seed);
        var pipeline = FeaturePipeline.Fit(frame, fitRows, data.Features, request);
        var train = ToTensorData(pipeline, frame, fitRows, y, classes, codec);
        var val = valRows.Length > 0 ? ToTensorData(pipeline, frame, valRows, y, classes, codec) : null;
        var test = ToTensorData(pipeline, frame, testRows, y, classes, codec);
        settings = settings with { ClassWeights = ClassWeightsFor(fitRows, classes, codec) };
        using var gen = new torch.Generator((ulong)settings.Seed);
        using var net = NewNetwork(pipeline.Width, data.Layers, gen);
        Trainer.Fit(new FitRequest(net, train, val, settings, progress, "cv", fold, request.NumSplits), ct);
        double? threshold = net.Outputs != 1 ? null
            : Metrics.ThresholdOf(request.Quality.Threshold, val?.Classes, () => Trainer.Forward(net, val!.X, val.Rows, val.Width));
        var outputs = Trainer.Forward(net, test.X, test.Rows, test.Width);
        return FoldScoreOf(outputs, test, testRows, y, codec, net.Outputs, threshold);
    }
}
