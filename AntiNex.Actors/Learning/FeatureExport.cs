using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>
/// Exports the feature matrices the engine builds for a request, so other learners (the tree baselines in training/) can be
/// trained and tested on IDENTICAL inputs. It runs the training's own first steps (<see cref="PreparedData"/>,
/// <see cref="RowSplit"/>): the same row order (seeded shuffle or stratified split), the same validation carve, and
/// <see cref="FeaturePipeline.Fit"/> on the same fitting rows; test files never reach the fit. A test keeps the two in step: the exported width
/// equals the trained network's inputs and the network's outputs on the exported test rows equal its predictions.
/// </summary>
public static class FeatureExport
{
    public const string HeldOutName = "held-out split";

    public static FeatureMatrices Build(AntiNexRequest request, DataRoots roots, IReadOnlyList<string>? extraTestDatasets = null,
        CancellationToken ct = default) => Build(request, roots, extraTestDatasets, null, ct);

    /// <summary>The same rows through a trained model's own pipeline (no refit): what that model sees, e.g. after
    /// model_kind auto chose another scaler than the request's default.</summary>
    public static FeatureMatrices BuildFor(TrainedModel model, AntiNexRequest request, DataRoots roots,
        IReadOnlyList<string>? extraTestDatasets = null, CancellationToken ct = default)
        => Build(request, roots, extraTestDatasets, model.State.Pipeline, ct);

    private static FeatureMatrices Build(AntiNexRequest request, DataRoots roots, IReadOnlyList<string>? extraTestDatasets,
        FeaturePipeline? fitted, CancellationToken ct)
    {
        var r = request;
        // The training's own first steps: the same rows, columns, classes, split and validation carve.
        var extras = (extraTestDatasets ?? []).Select(p => (Name: p, Path: roots.Resolve(p, "extra test dataset"))).ToList();
        var data = PreparedData.Load(r, roots, loadTestFile: true, warnings: [], ct);
        var split = RowSplit.Of(r, data, testFileNamed: false);
        var (fitRows, valRows) = RowSplit.Carve(r, split.TrainRows, data.Classes, r.Seed);
        var pipeline = fitted ?? FeaturePipeline.Fit(data.Frame, fitRows, data.Features, r);

        var classValues = data.Codec.ClassValues;
        bool regression = data.Regression;
        int[] allTrain = [.. fitRows, .. valRows];
        var tests = new List<FeatureMatrix>
        {
            Matrix(data.TestFrame is not null ? r.TestDataset! : HeldOutName, pipeline, split.TestFrame, split.TestRows, split.TestY, classValues,
                regression),
        };
        foreach (var (name, path) in extras)
        {
            ct.ThrowIfCancellationRequested();
            var extra = CsvLoader.Load(path, data.TestPlan, r.CsvHeader, r.Columns, CellRules.Of(r), "extra test dataset", ct);
            var extraY = PreparedData.TestTargetValues(data.Numbering, data.TargetRules, extra, data.PredictFeature, regression, [],
                "extra test dataset");
            tests.Add(Matrix(name, pipeline, extra, Enumerable.Range(0, extra.RowCount).ToArray(), extraY, classValues, regression));
        }
        return new FeatureMatrices
        {
            Task = data.Task,
            Train = Matrix("train", pipeline, data.Frame, allTrain, data.Y, classValues, regression),
            FitRows = fitRows.Length,
            SplitOrder = SplitOrder(split.TrainRows, allTrain),
            Tests = tests,
            FeatureNames = ColumnNames(pipeline),
            ClassNames = data.Codec.ClassNames,
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
        var novel = model.NoveltyLocked(m.X, m.Rows); // the decision predict makes, novelty detector and unscorable outputs included
        var unscorable = InputGuard.FlagNonFiniteOutputs(outputs, m.Rows, null);
        int k = m.Rows == 0 ? 1 : outputs.Length / m.Rows;
        var predicted = new int[m.Rows];
        for (int i = 0; i < m.Rows; i++) predicted[i] = model.Decode(outputs, i, novel?[i] ?? false, unscorable?[i] ?? false).Class;
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
            if (!f.Categorical && f.Width > 1) { names.AddRange(Enumerable.Range(1, f.Width).Select(b => $"{f.Name}:bin{b}")); continue; }
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

    private static int[] SplitOrder(int[] splitRows, int[] exported)
    {
        var position = new Dictionary<int, int>(exported.Length);
        for (int i = 0; i < exported.Length; i++) position[exported[i]] = i;
        return splitRows.Select(r => position[r]).ToArray();
    }

    private static int IndexOf(IReadOnlyList<double> values, double v)
    {
        for (int i = 0; i < values.Count; i++) if (values[i] == v) return i;
        return -1;
    }
}
