using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>One block of rows as the network sees them: row-major float [Rows x Width], targets per row.</summary>
public sealed record FeatureMatrix
{
    /// <summary>"train", the request's test_dataset path (or "held-out split"), or an extra test file's path.</summary>
    public required string Name { get; init; }
    public required float[] X { get; init; }
    public required int Rows { get; init; }
    public required int Width { get; init; }
    /// <summary>Classification: class index per row (-1: a class value the training rows lack). Empty for regression.</summary>
    public int[] Classes { get; init; } = [];
    /// <summary>The target value per row: class value (classification) or the raw regression target.</summary>
    public required double[] Targets { get; init; }
    /// <summary>Source row numbers (as in predictions), so a row can be traced back to its file.</summary>
    public required int[] RowIds { get; init; }

    public ReadOnlySpan<float> Row(int i) => X.AsSpan(i * Width, Width);
}

/// <summary>
/// The exact feature matrices a request's network is trained and tested on (see <see cref="FeatureExport.Build"/>).
/// The pipeline is fitted on <see cref="Train"/>'s fitting rows only; validation and test rows are only transformed.
/// </summary>
public sealed record FeatureMatrices
{
    public required TaskKind Task { get; init; }
    /// <summary>Every training-split row, in the engine's order: fitting rows first, then the validation_split rows.</summary>
    public required FeatureMatrix Train { get; init; }
    /// <summary>How many of <see cref="Train"/>'s rows (its first ones) the network and the pipeline were fitted on;
    /// the rest are the validation_split rows (early stopping, threshold).</summary>
    public required int FitRows { get; init; }
    /// <summary>The request's test_dataset (or the held-out split), then each extra test file, in the order given.</summary>
    public required IReadOnlyList<FeatureMatrix> Tests { get; init; }
    /// <summary>Column names after one-hot: "name" for numeric inputs, "name=value" and "name=&lt;other&gt;" for categorical ones.</summary>
    public required IReadOnlyList<string> FeatureNames { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required IReadOnlyList<double> ClassValues { get; init; }
    public required FeaturePipeline Pipeline { get; init; }
    public int Width => FeatureNames.Count;
    public int ValidationRows => Train.Rows - FitRows;
}

/// <summary>A network's outputs on exported rows: raw outputs, the decoded class (model threshold applied), and the
/// positive-class score (binary) for ROC AUC.</summary>
public sealed record NetworkScores(float[] Outputs, int OutputsPerRow, int[] Predicted, double[]? PositiveScore, double? Threshold)
{
    /// <summary>Rows the model's novelty detector flags (null without one), and the class index a flagged row is given.
    /// Lets a benchmark put the same detector on top of another classifier.</summary>
    public bool[]? Novel { get; init; }
    public int? NovelClass { get; init; }
}

/// <summary>
/// Exports the feature matrices the engine builds for a request, so other learners (the tree baselines of the NSL-KDD figures) can be
/// trained and tested on IDENTICAL inputs. It runs <see cref="TrainingRun"/>'s own data steps (feature selection, column
/// plan, targets, validation carve) in the same order: the same row order
/// (seeded shuffle or stratified split), the same validation carve, and <see cref="FeaturePipeline.Fit"/> on the same
/// fitting rows; test files never reach the fit (honesty rule). A test keeps the two in step: the exported width
/// equals the trained network's inputs and the network's outputs on the exported test rows equal its predictions.
/// </summary>
public static class FeatureExport
{
    public const string HeldOutName = "held-out split";

    public static FeatureMatrices Build(AntiNexRequest request, DataRoots roots, IReadOnlyList<string>? extraTestDatasets = null,
        CancellationToken ct = default)
    {
        var r = request;
        var pf = r.PredictFeature ?? throw new RequestException("predict_feature", "missing: name the target column");
        var pathIssues = r.CheckPaths(roots, requireFiles: true);
        if (pathIssues.Count > 0) throw new RequestException(pathIssues);
        var extras = (extraTestDatasets ?? []).Select(p => (Name: p, Path: roots.Resolve(p, "extra test dataset"))).ToList();

        string? trainPath = r.Dataset is { } ds ? roots.Resolve(ds, r.DatasetField) : null;
        string? testPath = r.TestDataset is { } td ? roots.Resolve(td, "test_dataset") : null;
        var sourceColumns = trainPath is not null
            ? CsvLoader.ReadHeader(trainPath, r.CsvHeader, r.Columns, r.DatasetField)
            : r.PredictRows!.Columns;
        var features = TrainingRun.SelectFeatures(r, sourceColumns, pf);
        var plan = TrainingRun.BuildPlan(r, features, pf);
        var frame = trainPath is not null
            ? CsvLoader.Load(trainPath, plan, r.CsvHeader, r.Columns, r.MarkEmpty, r.DatasetField, ct)
            : Frame.FromPredictRows(r.PredictRows!, plan, r.MarkEmpty, "predict_rows");
        frame = frame.SortBy(r.SortValues);
        var testPlan = plan.Select(p => p.Field == "sort_values" ? p with { Required = false } : p).ToList();
        Frame? testFrame = testPath is not null ? CsvLoader.Load(testPath, testPlan, r.CsvHeader, r.Columns, r.MarkEmpty, "test_dataset", ct) : null;

        bool regression = r.IsRegression;
        var yTrain = TrainingRun.TargetValues(r, frame, pf, regression);
        // Classes from the training rows only, sorted (as the engine's TargetCodec).
        List<double> classValues = regression ? [] : yTrain.Distinct().Order().ToList();
        if (!regression && classValues.Count < 2)
            throw new RequestException("predict_feature", $"'{pf}' has a single class in the training data; classification needs two or more");
        var classNames = classValues.Select(v => TargetCodec.DefaultName(v, r.LabelRules)).ToList();
        int[]? classTrain = regression ? null : yTrain.Select(v => classValues.IndexOf(v)).ToArray();
        var task = regression ? TaskKind.Regression : TaskOf(r, classValues.Count);

        // ---- split: the engine's exact row order ----
        int[] trainRows, testRows;
        Frame testSource;
        double[] yTest;
        if (testFrame is not null)
        {
            trainRows = Enumerable.Range(0, frame.RowCount).ToArray();
            new Random(r.Seed).Shuffle(trainRows);
            testRows = Enumerable.Range(0, testFrame.RowCount).ToArray();
            testSource = testFrame;
            yTest = TrainingRun.TargetValues(r, testFrame, pf, regression);
        }
        else
        {
            (trainRows, testRows) = Splits.TrainTest(frame.RowCount, r.TestSize, r.Seed, classTrain);
            testSource = frame;
            yTest = yTrain;
        }

        // ---- the engine's validation carve, and the pipeline on the fitting rows only ----
        var (fitRows, valRows) = TrainingRun.CarveValidation(r, trainRows, classTrain, r.Seed);
        var pipeline = FeaturePipeline.Fit(frame, fitRows, features, r);

        int[] allTrain = [.. fitRows, .. valRows];
        var tests = new List<FeatureMatrix>
        {
            Matrix(testPath is not null ? r.TestDataset! : HeldOutName, pipeline, testSource, testRows, yTest, classValues, regression),
        };
        foreach (var (name, path) in extras)
        {
            ct.ThrowIfCancellationRequested();
            var extra = CsvLoader.Load(path, testPlan, r.CsvHeader, r.Columns, r.MarkEmpty, "extra test dataset", ct);
            tests.Add(Matrix(name, pipeline, extra, Enumerable.Range(0, extra.RowCount).ToArray(), TrainingRun.TargetValues(r, extra, pf, regression), classValues, regression));
        }
        return new FeatureMatrices
        {
            Task = task,
            Train = Matrix("train", pipeline, frame, allTrain, yTrain, classValues, regression),
            FitRows = fitRows.Length,
            Tests = tests,
            FeatureNames = ColumnNames(pipeline),
            ClassNames = classNames,
            ClassValues = classValues,
            Pipeline = pipeline,
        };
    }

    /// <summary>A trained model's outputs on exported rows. Throws when the matrix is not as wide as the network's input.</summary>
    public static NetworkScores Score(TrainedModel model, FeatureMatrix m)
    {
        if (m.Width != model.State.NetworkInputs)
            throw new ArgumentException($"'{m.Name}' has {m.Width} columns; the network takes {model.State.NetworkInputs}");
        var outputs = model.ForwardLocked(m.X, m.Rows);
        var novel = model.NoveltyLocked(m.X, m.Rows); // the decision predict makes, novelty detector included
        int k = m.Rows == 0 ? 1 : outputs.Length / m.Rows;
        var predicted = new int[m.Rows];
        for (int i = 0; i < m.Rows; i++) predicted[i] = model.Decode(outputs, i, novel?[i] ?? false).Class;
        double[]? positive = model.State.Task == TaskKind.Binary ? outputs.Select(o => (double)o).ToArray() : null;
        int? novelClass = model.State.Novelty is { } ns && model.State.Task == TaskKind.Binary ? 1 - ns.NormalClass : null;
        return new NetworkScores(outputs, k, predicted, positive, model.State.Task == TaskKind.Binary ? model.State.Threshold ?? 0.5 : null)
        {
            Novel = novel, NovelClass = novelClass,
        };
    }

    /// <summary>Network input columns after one-hot (dropped constant columns omitted), in the pipeline's order.</summary>
    public static IReadOnlyList<string> ColumnNames(FeaturePipeline pipeline)
    {
        var names = new List<string>(pipeline.Width);
        foreach (var f in pipeline.Features)
        {
            if (f.Dropped) continue;
            if (!f.Categorical) { names.Add(f.Name); continue; }
            names.AddRange(f.Vocabulary.Select(v => $"{f.Name}={v}"));
            names.Add($"{f.Name}=<other>");
        }
        return names;
    }

    private static FeatureMatrix Matrix(string name, FeaturePipeline pipeline, Frame frame, int[] rows, double[] y,
        IReadOnlyList<double> classValues, bool regression) => new()
    {
        Name = name,
        X = pipeline.Transform(frame, rows),
        Rows = rows.Length,
        Width = pipeline.Width,
        Targets = rows.Select(i => y[i]).ToArray(),
        Classes = regression ? [] : rows.Select(i => IndexOf(classValues, y[i])).ToArray(),
        RowIds = rows.Select(i => frame.RowIds[i]).ToArray(),
    };

    private static int IndexOf(IReadOnlyList<double> values, double v)
    {
        for (int i = 0; i < values.Count; i++) if (values[i] == v) return i;
        return -1;
    }

    /// <summary>Binary when the output layer has 1 unit (the engine's rule); otherwise one unit per class.</summary>
    private static TaskKind TaskOf(AntiNexRequest r, int classes)
    {
        int units = r.Layers is { Count: > 0 } layers ? layers[^1].Units : classes == 2 ? 1 : classes;
        return units == 1 && classes == 2 ? TaskKind.Binary : TaskKind.MultiClass;
    }
}
