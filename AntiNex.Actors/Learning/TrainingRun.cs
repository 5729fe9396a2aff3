using System.Diagnostics;
using AntiNex.Data;
using AntiNex.Reporting;
using AntiNex.Requests;
using TorchSharp;

namespace AntiNex.Learning;

/// <summary>
/// One training: load -> split (seeded, stratified) -> k-fold CV on the training split -> fit scaler and network on the
/// training split -> evaluate on the held-out split (or test_dataset) -> artifact, report, predictions.
/// </summary>
internal sealed partial class TrainingRun(AntiNexRequest request, DataRoots roots, EngineOptions options,
    IProgress<TrainingProgress>? progress, CancellationToken ct)
{
    private readonly List<string> _warnings = [];
    private readonly List<string> _curvePlots = [];

    /// <summary>validation_split rows carved from the given training rows (stratified, seeded); none when the split is 0.</summary>
    private (int[] Fit, int[] Validation) CarveValidation(int[] rows, int[]? classes, int seed) => CarveValidation(request, rows, classes, seed);

    /// <summary>The carve itself, shared with <see cref="FeatureExport"/> so both see the same fitting rows.</summary>
    internal static (int[] Fit, int[] Validation) CarveValidation(AntiNexRequest request, int[] rows, int[]? classes, int seed)
    {
        var fraction = request.Quality.ValidationSplit;
        if (fraction <= 0) return (rows, []);
        var (fitIdx, valIdx) = Splits.TrainTest(rows.Length, fraction, seed + 7919, classes is null ? null : rows.Select(i => classes[i]).ToArray());
        if (fitIdx.Length == 0 || valIdx.Length == 0)
            throw new RequestException("validation_split", $"validation_split {fraction} leaves {fitIdx.Length} fitting and {valIdx.Length} validation rows");
        return (fitIdx.Select(i => rows[i]).ToArray(), valIdx.Select(i => rows[i]).ToArray());
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

    public TrainingOutcome Run()
    {
        var wall = Stopwatch.StartNew();
        TorchSetup.Apply(options);
        var r = request;
        var pf = r.PredictFeature ?? throw new RequestException("predict_feature", "missing: name the target column");
        Report("load", "loading data");

        // ---- data ---- (every path problem at once, before reading anything)
        var pathIssues = r.CheckPaths(roots, requireFiles: true);
        if (pathIssues.Count > 0) throw new RequestException(pathIssues);
        string? trainPath = r.Dataset is { } ds ? roots.Resolve(ds, r.DatasetField) : null;
        // Cross-validation only (a search trial): the test file is never opened, its rows are never seen.
        string? testPath = r.TestDataset is { } td && !options.CrossValidationOnly ? roots.Resolve(td, "test_dataset") : null;
        var sourceColumns = trainPath is not null
            ? CsvLoader.ReadHeader(trainPath, r.CsvHeader, r.Columns, r.DatasetField)
            : r.PredictRows!.Columns;
        var features = SelectFeatures(r, sourceColumns, pf);
        var plan = BuildPlan(r, features, pf);
        var frame = trainPath is not null
            ? CsvLoader.Load(trainPath, plan, r.CsvHeader, r.Columns, r.MarkEmpty, r.DatasetField, ct)
            : Frame.FromPredictRows(r.PredictRows!, plan, r.MarkEmpty, "predict_rows");
        frame = frame.SortBy(r.SortValues);
        Frame? testFrame = testPath is not null
            ? CsvLoader.Load(testPath, plan.Select(p => p.Field == "sort_values" ? p with { Required = false } : p).ToList(),
                r.CsvHeader, r.Columns, r.MarkEmpty, "test_dataset", ct)
            : null;

        // ---- target ----
        bool regression = r.IsRegression;
        double[] yTrainSource = TargetValues(r, frame, pf, regression);
        double[]? yTestSource = testFrame is null ? null : TargetValues(r, testFrame, pf, regression);
        var layers = r.Layers?.ToList();
        TargetCodec codec;
        TaskKind task;
        if (regression)
        {
            if (r.Loss is "binary_crossentropy" or "categorical_crossentropy")
                throw new RequestException("loss", $"'{r.Loss}' needs a classification ml_type; regression takes mse or mae");
            layers ??= DenseNetwork.DefaultLayers(true, 1);
            if (layers[^1].Units != 1)
                throw new RequestException("model_desc.layers", $"regression needs a 1-unit output layer, the last layer has {layers[^1].Units}");
            task = TaskKind.Regression;
            codec = new TargetCodec { Regression = true };
        }
        else
        {
            // Classes come from the training file only: the test file never shapes the model (honesty rule).
            var classValues = yTrainSource.Distinct().Order().ToList();
            if (yTestSource is not null && yTestSource.Distinct().Where(v => !classValues.Contains(v)).ToList() is { Count: > 0 } unseen)
                _warnings.Add($"test_dataset has class values the training data lacks ({string.Join(", ", unseen.Take(10).Select(FormatValue))}): those rows count as misses and are left out of the confusion matrix");
            var trainClasses = yTrainSource.Distinct().Count();
            if (trainClasses < 2)
                throw new RequestException("predict_feature", $"'{pf}' has a single class ({FormatValue(yTrainSource[0])}) in the training data; classification needs two or more");
            layers ??= DenseNetwork.DefaultLayers(false, classValues.Count == 2 ? 1 : classValues.Count);
            int units = layers[^1].Units;
            if (units == 1 && classValues.Count == 2) task = TaskKind.Binary;
            else if (units == classValues.Count) task = TaskKind.MultiClass;
            else throw new RequestException("model_desc.layers",
                $"the output layer has {units} units but '{pf}' has {classValues.Count} classes ({string.Join(", ", classValues.Take(10).Select(FormatValue))}); use 1 sigmoid unit for two classes or {classValues.Count} softmax units");
            if (r.LabelRules is { } lr)
                foreach (var v in classValues.Where(v => lr.NameOf(v) is null))
                    _warnings.Add($"label_rules: class value {FormatValue(v)} has no label name");
            codec = new TargetCodec { ClassValues = classValues, ClassNames = classValues.Select(v => TargetCodec.DefaultName(v, r.LabelRules)).ToList() };
        }
        int[]? classTrainSource = regression ? null : yTrainSource.Select(codec.IndexOf).ToArray();
        int[]? classTestSource = regression || yTestSource is null ? null : yTestSource.Select(codec.IndexOf).ToArray();

        // ---- split ----
        int[] trainRows, testRows;
        if (testFrame is not null || (options.CrossValidationOnly && r.TestDataset is not null))
        {
            trainRows = Enumerable.Range(0, frame.RowCount).ToArray();
            new Random(r.Seed).Shuffle(trainRows);
            testRows = Enumerable.Range(0, testFrame?.RowCount ?? 0).ToArray();
            testFrame ??= frame; // cross-validation only: no test rows at all
        }
        else
        {
            if (frame.RowCount < 2)
                throw new RequestException(r.Dataset is null ? "predict_rows" : r.DatasetField, $"{frame.RowCount} row is too few to split into training and test rows");
            (trainRows, testRows) = Splits.TrainTest(frame.RowCount, r.TestSize, r.Seed, classTrainSource);
            if (testRows.Length == 0 || trainRows.Length == 0)
                throw new RequestException("test_size", $"test_size {r.TestSize} leaves {trainRows.Length} training and {testRows.Length} test rows");
            testFrame = frame;
            classTestSource = classTrainSource;
            yTestSource = yTrainSource;
        }
        if (!regression && trainRows.Select(i => classTrainSource![i]).Distinct().Count() < 2)
            throw new RequestException("predict_feature", "the training split holds a single class; add rows of another class or lower test_size");

        if (regression && r.ApplyScaler)
        {
            var ys = trainRows.Select(i => yTrainSource[i]).ToArray();
            codec = codec with { Scale = true, Min = ys.Min(), Max = ys.Max(), Lo = r.MinScalerRange, Hi = r.MaxScalerRange };
        }

        var q = r.Quality;
        var settings = new FitSettings(task, r.Epochs, r.BatchSize, r.Loss, r.Optimizer, r.LearningRate, r.Seed)
        {
            WeightDecay = q.WeightDecay, Schedule = q.LrSchedule, EarlyStopping = q.EarlyStopping,
        };
        if (q.EarlyStopping is not null && q.ValidationSplit <= 0)
            throw new RequestException("early_stopping", "needs validation_split > 0: it watches a validation split carved from the training rows, never the test rows");
        if (q.Threshold is not null && task != TaskKind.Binary)
            throw new RequestException("threshold", "applies to a binary model (1 sigmoid output) only");
        if (q.Threshold is not null && q.ValidationSplit <= 0 && !q.EnsembleFolds) // a fold ensemble chooses it on out-of-fold predictions
            throw new RequestException("threshold", "needs validation_split > 0: the threshold is chosen on validation rows, never on the test rows");
        int noveltyNormal = q.Novelty is { } nov ? NoveltyNormalClass(nov, task, codec) : -1;
        if (q.Novelty is not null && q.EnsembleFolds)
            throw new RequestException("novelty", "cannot be combined with ensemble.folds: the detector is fitted and thresholded on a validation split, which a fold ensemble does not carve");
        if ((q.BalancedClassWeights || q.ClassWeights is not null) && regression)
            throw new RequestException("class_weights", "applies to classification only");
        if (q.ClassWeights is { } explicitWeights)
            foreach (var key in explicitWeights.Keys)
                if (!double.TryParse(key, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var cv) || codec.IndexOf(cv) < 0)
                    throw new RequestException($"class_weights.{key}", $"is not a class value of the training data ({string.Join(", ", codec.ClassValues.Select(FormatValue))})");
        if (task == TaskKind.Binary && r.Loss == "categorical_crossentropy")
            _warnings.Add("categorical_crossentropy on a 1-unit output is computed as binary_crossentropy");

        // ---- cross-validation on the training split ----
        var folds = new List<FoldScore>();
        bool crossValidate = r.NumSplits >= 2 && r.MlType != MlTypes.Standalone;
        if (q.EnsembleFolds && !crossValidate)
            throw new RequestException("ensemble.folds", $"needs cross-validation (num_splits >= 2, got {r.NumSplits}; not standalone-classification)");
        FoldEnsemble? foldEnsemble = null; // ensemble.folds: the CV fold networks become the served model
        if (crossValidate)
        {
            if (!regression)
            {
                var smallest = trainRows.GroupBy(i => classTrainSource![i]).Select(g => (Class: g.Key, Count: g.Count())).MinBy(g => g.Count);
                if (smallest.Count < r.NumSplits)
                    throw new RequestException("num_splits", $"{r.NumSplits} folds but class {codec.ClassNames[smallest.Class]} has only {smallest.Count} training rows");
            }
            else if (trainRows.Length < r.NumSplits)
                throw new RequestException("num_splits", $"{r.NumSplits} folds but only {trainRows.Length} training rows");
            var foldOf = Splits.KFold(trainRows.Length, r.NumSplits, regression ? null : trainRows.Select(i => classTrainSource![i]).ToArray(), r.Seed);
            if (q.EnsembleFolds)
                foldEnsemble = TrainFoldEnsemble(frame, trainRows, foldOf, features, yTrainSource, classTrainSource, codec, layers, settings, folds);
            else for (int f = 0; f < r.NumSplits; f++)
            {
                ct.ThrowIfCancellationRequested();
                var fTrain = trainRows.Where((_, i) => foldOf[i] != f).ToArray();
                var fTest = trainRows.Where((_, i) => foldOf[i] == f).ToArray();
                var score = FitAndScore(frame, fTrain, frame, fTest, features, yTrainSource, classTrainSource, codec, layers, settings with { Seed = r.Seed + 1000L * (f + 1) }, f + 1, out _);
                folds.Add(new FoldScore(f + 1, score, fTrain.Length, fTest.Length));
            }
        }

        if (options.CrossValidationOnly)
        {
            foldEnsemble?.Network.Dispose(); // a search trial keeps scores only: free the fold networks' native memory now
            return CrossValidationOutcome(folds, trainRows.Length, wall);
        }

        // ---- final fit on the whole training split ----
        // validation_split: carved (stratified, seeded) from the training split; scaler, weights, early stopping and
        // threshold see only these rows. The test rows only get evaluated.
        // A fold ensemble has no final fit: its members and their shared pipeline come from the CV above.
        var (fitRows, valRows) = foldEnsemble is null ? CarveValidation(trainRows, classTrainSource, r.Seed) : (trainRows, []);
        var pipeline = foldEnsemble?.Pipeline ?? FeaturePipeline.Fit(frame, fitRows, features, r);
        var trainData = foldEnsemble is null ? ToTensorData(pipeline, frame, fitRows, yTrainSource, classTrainSource, codec) : null;
        var valData = valRows.Length > 0 ? ToTensorData(pipeline, frame, valRows, yTrainSource, classTrainSource, codec) : null;
        var testData = ToTensorData(pipeline, testFrame, testRows, yTestSource!, classTestSource, codec);
        settings = settings with { ClassWeights = ClassWeightsFor(fitRows, classTrainSource, codec) };
        using var initGen = new torch.Generator((ulong)r.Seed);
        var net = foldEnsemble?.Network ?? new DenseNetwork(pipeline.Width, layers, initGen);
        TrainedModel? model = null;
        NoveltyDetector? novelty = null;
        try
        {
            var fitWatch = Stopwatch.StartNew();
            // The per-epoch val_* columns are the validation split when there is one (it drives stopping), else the test rows (report only).
            List<EpochHistory> history; double validationSeconds; FitInfo fitInfo;
            if (foldEnsemble is not null) (history, validationSeconds, fitInfo) = (foldEnsemble.History, foldEnsemble.ValidationSeconds, foldEnsemble.Info);
            else history = Trainer.Fit(net, trainData!, valData ?? testData, settings, progress, "fit", 0, 0, ct, out validationSeconds, out fitInfo);
            // ensemble.seeds: more networks from other seeds, same rows and recipe; ONE artifact averages them.
            var extraMembers = new List<DenseNetwork>();
            for (int m = 1; m < q.EnsembleSeeds; m++)
            {
                long memberSeed = r.Seed + 7919L * m;
                using var memberGen = new torch.Generator((ulong)memberSeed);
                var member = new DenseNetwork(pipeline.Width, layers, memberGen);
                extraMembers.Add(member);
                Trainer.Fit(member, trainData!, valData ?? testData, settings with { Seed = memberSeed }, progress, "ensemble", m + 1, q.EnsembleSeeds, ct, out var memberValSeconds, out _);
                validationSeconds += memberValSeconds;
            }
            net.AttachMembers(extraMembers);
            fitWatch.Stop();
            double? threshold = foldEnsemble?.Threshold;
            if (q.Threshold is { } rule && valData is not null)
            {
                var valOut = Trainer.Forward(net, valData.X, valData.Rows, valData.Width);
                threshold = Metrics.ChooseThreshold(valData.Classes!, valOut.Select(v => (double)v).ToArray(), rule.Optimize, rule.MaxFpr);
            }
            // novelty: a profile of the normal class's fitting rows, thresholded on its validation rows (never the test rows).
            (NoveltyDetector Detector, NoveltyState State, int FitRows, int ValidationRows)? profile = null;
            var noveltyWatch = new Stopwatch();
            if (q.Novelty is { } noveltyOptions)
            {
                Report("novelty", "fitting the normal-profile novelty detector");
                noveltyWatch.Start();
                profile = NoveltyProfile.Fit(trainData!, valData!, noveltyNormal, noveltyOptions, r.Seed, ct);
                noveltyWatch.Stop();
                novelty = profile.Value.Detector;
            }
            var trainingSeconds = fitWatch.Elapsed.TotalSeconds - validationSeconds;

            // ---- evaluate on held-out rows ----
            Report("evaluate", "evaluating on the held-out rows");
            var state = new ModelState
            {
                Label = r.Label, MlType = r.MlType, PredictFeature = pf, Task = task, Pipeline = pipeline, Layers = layers,
                NetworkInputs = pipeline.Width, Target = codec, LabelRules = r.LabelRules, TargetRules = r.TargetRules,
                CreatedUtc = DateTimeOffset.UtcNow, Seed = r.Seed, Loss = r.Loss, Optimizer = r.Optimizer,
                TrainRows = trainRows.Length, TestRows = testRows.Length, CsvHeader = r.CsvHeader, Columns = r.Columns,
                Threshold = threshold, EnsembleSize = net.EnsembleSize, Novelty = profile?.State,
            };
            model = new TrainedModel(state, net, 0, novelty);
            var outputs = model.ForwardLocked(testData.X, testData.Rows);
            var novel = model.NoveltyLocked(testData.X, testData.Rows);
            var report = new TrainingReport
            {
                Label = r.Label, MlType = r.MlType, History = history, Cv = folds,
                CvMean = folds.Count > 0 ? folds.Average(f => f.Score) : null,
                CvStd = folds.Count > 0 ? Metrics.Std(folds.Select(f => f.Score).ToList()) : null,
                TrainRows = trainRows.Length, TestRows = testRows.Length,
                RowsPerSecond = trainingSeconds > 0 ? (double)fitRows.Length * fitInfo.EpochsRun * net.EnsembleSize / trainingSeconds : 0,
                ValidationRows = valRows.Length, EpochsRun = fitInfo.EpochsRun, BestEpoch = fitInfo.BestEpoch, EnsembleSize = net.EnsembleSize,
                FitSeconds = fitWatch.Elapsed.TotalSeconds + noveltyWatch.Elapsed.TotalSeconds, // the detector is part of the model's fit
                ValidationSeconds = validationSeconds,
            };
            if (regression)
            {
                var truth = testRows.Select(i => yTestSource![i]).ToArray();
                var pred = Enumerable.Range(0, testRows.Length).Select(i => model.Decode(outputs, i).Value).ToArray();
                var (mse, mae, r2) = Metrics.Regress(truth, pred);
                report = report with { Mse = mse, Mae = mae, R2 = r2 };
                state = state with { Mse = mse, Mae = mae, R2 = r2 };
            }
            else
            {
                var truth = testData.Classes!;
                var decoded = Enumerable.Range(0, testRows.Length).Select(i => model.Decode(outputs, i, novel?[i] ?? false)).ToArray();
                var scores = task == TaskKind.Binary ? Enumerable.Range(0, testRows.Length).Select(i => (double)outputs[i]).ToArray() : null;
                var m = Metrics.Classify(truth, decoded.Select(d => d.Class).ToArray(), codec.ClassValues.Count, scores);
                var perClass = Metrics.PerClass(m.Confusion, codec.ClassNames);
                report = report with
                {
                    Accuracy = m.Accuracy, Precision = m.Precision, Recall = m.Recall, F1 = m.F1, RocAuc = m.RocAuc,
                    ConfusionMatrix = m.Confusion, ClassNames = codec.ClassNames,
                    PerClass = perClass, MacroF1 = perClass.Average(c => c.F1),
                };
                if (scores is not null)
                {
                    report = report with
                    {
                        Threshold = threshold ?? 0.5, ThresholdRule = q.Threshold is { } tr ? (tr.Optimize == "f1" ? "optimize f1 on the validation split" : $"max_fpr {tr.MaxFpr} on the validation split") : null,
                        AtHalf = Metrics.At(truth, scores, 0.5), AtThreshold = Metrics.At(truth, scores, threshold ?? 0.5),
                    };
                    if (profile is { } p && novel is not null)
                        report = report with { Novelty = NoveltyProfile.Report(p.State, q.Novelty!, p.FitRows, p.ValidationRows, truth, scores, threshold ?? 0.5, novel) };
                    if (options.PlotDirectory is { } curveDir)
                    {
                        try { _curvePlots.AddRange(CurvePlots.Write(curveDir, r.Label, Metrics.Curves(truth, scores))); }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
                        {
                            _warnings.Add($"ROC/PR curves not plotted: {e.Message}");
                        }
                    }
                }
                state = state with { TestAccuracy = m.Accuracy, Precision = m.Precision, Recall = m.Recall, F1 = m.F1, RocAuc = m.RocAuc };
            }
            if (foldEnsemble is not null) report = foldEnsemble.Amend(report);
            state = state with { CvMean = report.CvMean };
            model.Restate(state);
            var artifact = model.ToArtifact();

            // Per-sample predictions, as the original: the request's predict_rows, else every row of the dataset.
            Frame predictFrame = frame;
            if (r.PredictRows is not null && trainPath is not null)
                predictFrame = Frame.FromPredictRows(r.PredictRows, model.PredictPlan(pf), r.MarkEmpty, "predict_rows");
            var predictions = model.PredictFrame(predictFrame, r.Label, r.MaxRecords);
            wall.Stop();
            var plots = new List<string>(_curvePlots);
            if (options.PlotDirectory is { } plotDir)
            {
                try { plots.AddRange(PlotWriter.WriteAll(report with { History = history }, plotDir)); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
                {
                    _warnings.Add($"training curves not plotted: {e.Message}"); // a plot never fails a training
                }
            }
            if (r.ShowModelJson)
                _warnings.Add("model: " + string.Join(" -> ", layers.Select(l => $"dense {l.Units} {l.Init} {l.Activation}" + (l.Dropout > 0 ? $" dropout {l.Dropout}" : ""))) + $" (inputs {pipeline.Width})");
            report = report with { TrainSeconds = wall.Elapsed.TotalSeconds, Warnings = _warnings, Plots = plots };
            return new TrainingOutcome(artifact, report, predictions);
        }
        finally
        {
            if (model is not null) model.Dispose();
            else { net.Dispose(); novelty?.Dispose(); }
        }
    }

    /// <summary>novelty's checks against the training data: binary only, a validation split, a known normal class.</summary>
    private int NoveltyNormalClass(NoveltyOptions o, TaskKind task, TargetCodec codec)
    {
        if (task != TaskKind.Binary)
            throw new RequestException("novelty", "applies to a binary model (1 sigmoid output) only");
        if (request.Quality.ValidationSplit <= 0)
            throw new RequestException("novelty", "needs validation_split > 0: its threshold is set on validation rows of the normal class, never on the test rows");
        int c = codec.IndexOf(o.NormalClass);
        if (c < 0)
            throw new RequestException("novelty.normal_class", $"{FormatValue(o.NormalClass)} is not a class value of the training data ({string.Join(", ", codec.ClassValues.Select(FormatValue))})");
        return c;
    }

    /// <summary>A search trial's result: the CV scores alone (no final fit, no artifact, no test metrics).</summary>
    private TrainingOutcome CrossValidationOutcome(List<FoldScore> folds, int trainRows, Stopwatch wall)
    {
        if (folds.Count == 0)
            throw new RequestException("num_splits", $"cross-validation only needs num_splits >= 2 and a classification or regression ml_type, got {request.NumSplits} ({request.MlType})");
        var scores = folds.Select(f => f.Score).ToList();
        return new TrainingOutcome([], new TrainingReport
        {
            Label = request.Label, MlType = request.MlType, Cv = folds, CvMean = scores.Average(), CvStd = Metrics.Std(scores),
            TrainRows = trainRows, TrainSeconds = wall.Elapsed.TotalSeconds, Warnings = _warnings,
        }, null);
    }

    private void Report(string phase, string message)
        => progress?.Report(new TrainingProgress(phase, 0, 0, 0, 0, 0, null, null, null, message));

    private static string FormatValue(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    // The data steps below are shared with FeatureExport, which must build the very same matrices.
    internal static List<string> SelectFeatures(AntiNexRequest r, IReadOnlyList<string> sourceColumns, string pf)
    {
        var listed = r.FeaturesToProcess.Count > 0 ? r.FeaturesToProcess : sourceColumns;
        var features = listed.Where(f => f != pf && !r.IgnoreFeatures.Contains(f)).Distinct().ToList();
        if (features.Count == 0)
            throw new RequestException("features_to_process", "no features left after removing predict_feature and ignore_features");
        return features;
    }

    internal static List<ColumnPlan> BuildPlan(AntiNexRequest request, IReadOnlyList<string> features, string pf)
    {
        var plan = features.Select(f => new ColumnPlan(f, request.CategoricalFeatures.Contains(f) ? ColumnKind.Text : ColumnKind.Numeric, "features_to_process")).ToList();
        plan.Add(new ColumnPlan(pf, request.IsRegression ? ColumnKind.Numeric : ColumnKind.Text, "predict_feature"));
        foreach (var s in request.SortValues.Where(s => plan.All(p => p.Name != s)))
            plan.Add(new ColumnPlan(s, ColumnKind.Text, "sort_values"));
        return plan;
    }

    internal static double[] TargetValues(AntiNexRequest request, Frame frame, string pf, bool regression)
    {
        if (regression) return frame.Numeric[pf];
        var raw = frame.Text[pf];
        var values = new double[frame.RowCount];
        for (int i = 0; i < values.Length; i++) values[i] = TargetCodec.ClassValueOf(raw[i], request.TargetRules, "predict_feature", frame.RowIds[i]);
        return values;
    }

    private static TensorData ToTensorData(FeaturePipeline pipeline, Frame frame, int[] rows, double[] y, int[]? classes, TargetCodec codec)
    {
        var x = pipeline.Transform(frame, rows);
        return codec.Regression
            ? new TensorData(x, rows.Length, pipeline.Width, null, rows.Select(i => (float)codec.ScaleTarget(y[i])).ToArray())
            : new TensorData(x, rows.Length, pipeline.Width, rows.Select(i => classes![i]).ToArray(), null);
    }

    /// <summary>One CV fold: scaler fitted on the fold's training rows, a fresh network; score = accuracy % or MSE (target units).</summary>
    private double FitAndScore(Frame trainFrame, int[] trainRows, Frame testFrame, int[] testRows, IReadOnlyList<string> features,
        double[] y, int[]? classes, TargetCodec codec, IReadOnlyList<LayerSpec> layers, FitSettings settings, int fold, out double? threshold)
    {
        // The fold repeats the final fit's recipe inside its own training rows: validation carve, scaler, weights, stopping.
        var (fitRows, valRows) = CarveValidation(trainRows, classes, (int)settings.Seed);
        var pipeline = FeaturePipeline.Fit(trainFrame, fitRows, features, request);
        var train = ToTensorData(pipeline, trainFrame, fitRows, y, classes, codec);
        var val = valRows.Length > 0 ? ToTensorData(pipeline, trainFrame, valRows, y, classes, codec) : null;
        var test = ToTensorData(pipeline, testFrame, testRows, y, classes, codec);
        settings = settings with { ClassWeights = ClassWeightsFor(fitRows, classes, codec) };
        using var gen = new torch.Generator((ulong)settings.Seed);
        using var net = new DenseNetwork(pipeline.Width, layers, gen);
        Trainer.Fit(net, train, val, settings, progress, "cv", fold, request.NumSplits, ct);
        threshold = null;
        if (request.Quality.Threshold is { } rule && val is not null && net.Outputs == 1)
        {
            var vo = Trainer.Forward(net, val.X, val.Rows, val.Width);
            threshold = Metrics.ChooseThreshold(val.Classes!, vo.Select(v => (double)v).ToArray(), rule.Optimize, rule.MaxFpr);
        }
        var outputs = Trainer.Forward(net, test.X, test.Rows, test.Width);
        return FoldScoreOf(outputs, test, testRows, y, codec, net.Outputs, threshold);
    }
}
