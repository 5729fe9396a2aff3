using System.Globalization;
using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>
/// The first step of a training: the request's rows loaded (training file or predict_rows, and test_dataset), the
/// feature columns chosen and the target decoded into classes or values. Training and <see cref="FeatureExport"/>
/// both start here, so they see the very same rows, columns and classes.
/// </summary>
internal sealed record PreparedData
{
    public required string PredictFeature { get; init; }
    public required IReadOnlyList<string> Features { get; init; }
    /// <summary>The training rows (sorted by sort_values) and the test_dataset rows (null without one, or when not loaded).</summary>
    public required Frame Frame { get; init; }
    public Frame? TestFrame { get; init; }
    /// <summary>The column plan the test file was read with (sort_values columns optional there).</summary>
    public required IReadOnlyList<ColumnPlan> TestPlan { get; init; }
    /// <summary>Target per training row: class value (classification) or the raw regression target.</summary>
    public required double[] Y { get; init; }
    public double[]? TestY { get; init; }
    /// <summary>Class index per row (classification); null for regression.</summary>
    public int[]? Classes { get; init; }
    public int[]? TestClasses { get; init; }
    public required TargetCodec Codec { get; init; }
    /// <summary>The class numbers of a text target the request left unmapped (null: the request's own rules, or numbers).</summary>
    public ClassNumbering? Numbering { get; init; }
    /// <summary>The target mapping in force: the request's target_rules, or the derived numbering's.</summary>
    public TargetRules? TargetRules { get; init; }
    public required TaskKind Task { get; init; }
    public required List<LayerSpec> Layers { get; init; }
    public bool Regression => Task == TaskKind.Regression;

    /// <summary>Loads and checks the request's data. With <paramref name="loadTestFile"/> false (search trials) the
    /// test_dataset file is never opened. Warnings about the data go to <paramref name="warnings"/>.</summary>
    public static PreparedData Load(AntiNexRequest r, DataRoots roots, bool loadTestFile, List<string> warnings, CancellationToken ct,
        EngineLimits? limits = null)
    {
        limits ??= EngineLimits.Current;
        var pf = r.PredictFeature ?? throw new RequestException("predict_feature", "missing: name the target column");
        // Every path problem at once, before reading anything.
        var pathIssues = r.CheckPaths(roots, requireFiles: true);
        if (pathIssues.Count > 0) throw new RequestException(pathIssues);
        string? trainPath = r.Dataset is { } ds ? roots.Resolve(ds, r.DatasetField) : null;
        string? testPath = r.TestDataset is { } td && loadTestFile ? roots.Resolve(td, "test_dataset") : null;
        FileScan? trainScan = null; // the header's scan of the whole file, when it made one: the loader takes it
        var sourceColumns = trainPath is not null
            ? CsvLoader.ReadHeader(trainPath, r.CsvHeader, r.Columns, out trainScan, r.DatasetField, limits)
            : r.PredictRows!.Columns;
        if (sourceColumns.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList() is { Count: > 0 } twice)
            warnings.Add($"{r.DatasetField}: column name{(twice.Count > 1 ? "s" : "")} {string.Join(", ", twice.Take(10).Select(c => $"'{c}'"))} " +
                $"{(twice.Count > 1 ? "appear" : "appears")} more than once in the header; the first column of each name is read");
        var features = SelectFeatures(r, sourceColumns, pf);
        var plan = BuildPlan(r, features, pf);
        // All-numeric features under the default scaler map one column to one network input, in order: they are read into one
        // row-major array that the feature matrix then overwrites in place (DatasetMatrix), so the file is held once.
        var rowMajor = features.Any(r.CategoricalFeatures.Contains) || r.Quality.ScalerGiven ? null : features;
        var frame = trainPath is not null
            ? CsvLoader.Load(trainPath, plan, r.CsvHeader, r.Columns, CellRules.Of(r), r.DatasetField, ct, limits, rowMajor: rowMajor,
                scan: trainScan)
            : Frame.FromPredictRows(r.PredictRows!, plan, CellRules.Of(r), "predict_rows");
        MemoryTrace.Mark("loaded");
        RefuseAbsurdValues(frame, limits.MaxAbsTrainingValue, trainPath is null ? "predict_rows" : r.DatasetField, r.LogFeatures,
            r.PredictFeature);
        NoteRowCounters(frame, features, warnings);
        frame = frame.SortBy(r.SortValues);
        var testPlan = plan.Select(p => p.Field == "sort_values" ? p with { Required = false } : p).ToList();
        Frame? testFrame = testPath is not null
            ? CsvLoader.Load(testPath, testPlan, r.CsvHeader, r.Columns, CellRules.Of(r), "test_dataset", ct, limits)
            : null;

        NoteEncoding(frame, r.DatasetField, trainPath, warnings);
        NoteEncoding(testFrame, "test_dataset", testPath, warnings);
        warnings.AddRange(frame.IncompleteRowWarnings());
        if (testFrame is not null) warnings.AddRange(testFrame.IncompleteRowWarnings());
        NoteNonFinite(frame, trainPath is null ? "predict_rows" : r.DatasetField, r.MarkEmpty, warnings);
        NoteWideCategories(frame, features.Where(r.CategoricalFeatures.Contains), warnings);
        if (testFrame is not null) NoteNonFinite(testFrame, "test_dataset", r.MarkEmpty, warnings);

        bool regression = r.IsRegression;
        var numbering = regression ? null : ClassNumbering.Of(r, frame.Text[pf], frame.RowIds, pf);
        if (numbering is not null) warnings.Add(numbering.Note);
        var rules = numbering?.Rules
            ?? (r.TargetRules is { } given && !regression ? WithCaseVariants(given, frame.Text[pf], warnings) : r.TargetRules);
        double[] y = TargetValues(rules, frame, pf, regression);
        double[]? testY = testFrame is null ? null : TestTargetValues(numbering, rules, testFrame, pf, regression, warnings);
        var (codec, task, layers) = regression ? RegressionTarget(r)
            : ClassTarget(r, numbering?.Labels ?? r.LabelRules, pf, y, testY, warnings,
                () => numbering is null && rules is not null ? UnmatchedMapHint(rules, frame.Text[pf]) : "");
        if (!regression)
        {
            NoteTargetCopies(frame, features, y, codec.ClassValues.Count, warnings);
            NoteRareClasses(y, codec, pf, warnings);
        }
        MemoryTrace.Mark("targets");
        return new PreparedData
        {
            PredictFeature = pf, Features = features, Frame = frame, TestFrame = testFrame, TestPlan = testPlan,
            Y = y, TestY = testY, Codec = codec, Task = task, Layers = layers, Numbering = numbering, TargetRules = rules,
            Classes = regression ? null : y.Select(codec.IndexOf).ToArray(),
            TestClasses = regression || testY is null ? null : testY.Select(codec.IndexOf).ToArray(),
        };
    }

    /// <summary>A file that was not UTF-8 was read as Windows-1252: said, so that an odd character in a class name has its reason.</summary>
    private static void NoteEncoding(Frame? frame, string field, string? path, List<string> warnings)
    {
        if (frame?.EncodingWarning(field, path) is { } warning) warnings.Add(warning);
    }

    /// <summary>One warning per file whose NaN/Infinity cells were read as empty (non_finite "empty"), with the counts.</summary>
    private static void NoteNonFinite(Frame frame, string field, double markEmpty, List<string> warnings)
    {
        if (frame.NonFiniteWarning(field, markEmpty) is { } warning) warnings.Add(warning);
    }

    /// <summary>One warning per categorical feature with more distinct training values than one-hot inputs it may have.</summary>
    private static void NoteWideCategories(Frame frame, IEnumerable<string> categorical, List<string> warnings)
    {
        foreach (var name in categorical)
        {
            int distinct = frame.Text[name].Distinct(StringComparer.Ordinal).Count();
            if (distinct <= FeaturePipeline.MaxCategories) continue;
            warnings.Add($"categorical_features: '{name}' has {distinct:N0} distinct values in the training data's {frame.RowCount:N0} rows; " +
                $"the fit's {FeaturePipeline.MaxCategories} most frequent values get an input each and the rest share the 'other' input" +
                (distinct * 10L > frame.RowCount ? " (a column of addresses or ids names rows rather than traffic: consider ignore_features)" : ""));
        }
    }

    /// <summary>Training values beyond ±<paramref name="bound"/> are refused, naming the column and the row: the scalers'
    /// sums and ranges would overflow (the loaders refuse NaN and Infinity, or read them as empty cells). A column of
    /// <paramref name="logged"/> is scaled after its log1p, so that is the value checked (log_features is the way out for a
    /// feature), and its raw value must still fit a float32: bulk predicts carry raw rows as float32.</summary>
    private static void RefuseAbsurdValues(Frame frame, double bound, string field, IReadOnlyList<string> logged, string? target)
    {
        foreach (var (column, values) in frame.Numeric)
        {
            bool log = logged.Contains(column);
            for (int i = 0; i < values.Count; i++)
            {
                var v = values[i];
                if (log ? Math.Abs(v) <= float.MaxValue && Math.Abs(FeaturePipeline.SignedLog1p(v)) <= bound : Math.Abs(v) <= bound)
                    continue;
                var limit = log ? $"±{float.MaxValue:0.#####e+0}, the largest value a logged column accepts (bulk predicts send rows as float32)"
                    : $"±{bound:0.#####e+0}, the largest training value the engine accepts";
                var hint = log || column == target ? "rescale the column" : "rescale the column, or name it in log_features";
                throw new RequestException(field, $"column '{column}' row {frame.RowIds[i]}: {FormatValue(v)} is beyond {limit}; {hint}");
            }
        }
    }

    /// <summary>The request's layers; a tree ensemble has none, so its task follows the classes found.</summary>
    private static List<LayerSpec>? NetworkLayers(AntiNexRequest r) => Trees.TreeKinds.IsTrees(r.ModelKind) ? null : r.Layers?.ToList();

    private static (TargetCodec, TaskKind, List<LayerSpec>) RegressionTarget(AntiNexRequest r)
    {
        if (r.Loss is "binary_crossentropy" or "categorical_crossentropy")
            throw new RequestException("loss", $"'{r.Loss}' needs a classification ml_type; regression takes mse or mae");
        var layers = NetworkLayers(r) ?? DenseNetwork.DefaultLayers(true, 1);
        if (layers[^1].Units != 1)
            throw new RequestException("model_desc.layers", $"regression needs a 1-unit output layer, the last layer has {layers[^1].Units}");
        return (new TargetCodec { Regression = true }, TaskKind.Regression, layers);
    }

    private static (TargetCodec, TaskKind, List<LayerSpec>) ClassTarget(AntiNexRequest r, LabelRules? labelRules, string pf, double[] y,
        double[]? testY, List<string> warnings, Func<string> singleClassHint)
    {
        // Classes come from the training file only: the test file never shapes the model.
        var classValues = y.Distinct().Order().ToList();
        if (testY is { Length: > 0 } && !testY.Any(classValues.Contains))
            throw new RequestException("test_dataset", $"none of its {testY.Length} rows has a class of the training data " +
                $"({string.Join(", ", classValues.Take(10).Select(FormatValue))}): there is nothing to score");
        if (testY is not null && testY.Distinct().Where(v => !double.IsNaN(v) && !classValues.Contains(v)).ToList() is { Count: > 0 } unseen)
            warnings.Add($"test_dataset has class values the training data lacks ({string.Join(", ", unseen.Take(10).Select(FormatValue))}): those " +
                $"rows cannot be scored and are left out of the accuracy and the confusion matrix");
        if (classValues.Count < 2)
            throw new RequestException("predict_feature",
                $"'{pf}' has a single class ({FormatValue(y[0])}) in the training data; classification needs two or more" + singleClassHint());
        var layers = NetworkLayers(r) ?? DenseNetwork.DefaultLayers(false, classValues.Count == 2 ? 1 : classValues.Count);
        int units = layers[^1].Units;
        TaskKind task;
        if (units == 1 && classValues.Count == 2) task = TaskKind.Binary;
        else if (units == classValues.Count) task = TaskKind.MultiClass;
        else throw new RequestException("model_desc.layers",
            $"the output layer has {units} units but '{pf}' has {classValues.Count} classes " +
                $"({string.Join(", ", classValues.Take(10).Select(FormatValue))}); use 1 sigmoid unit for two classes or {classValues.Count} " +
                $"softmax units");
        if (labelRules is { } lr)
            foreach (var v in classValues.Where(v => lr.NameOf(v) is null))
                warnings.Add($"label_rules: class value {FormatValue(v)} has no label name");
        var codec = new TargetCodec
        {
            ClassValues = classValues, ClassNames = classValues.Select(v => TargetCodec.DefaultName(v, labelRules))
            .ToList()
        };
        return (codec, task, layers);
    }

    /// <summary>Fewer rows than this say nothing about a column that only grows, or that goes with the class.</summary>
    private const int ColumnCheckMinRows = 100;

    /// <summary>A numeric feature that grows (or shrinks) at every row of the file is a row number or a time stamp, not
    /// traffic: a model learns where a row sits in the file (a file written class by class leaks its classes), and new
    /// traffic lies beyond its training range.</summary>
    private static void NoteRowCounters(Frame frame, IEnumerable<string> features, List<string> warnings)
    {
        if (frame.RowCount < ColumnCheckMinRows) return;
        foreach (var name in features)
        {
            if (!frame.Numeric.TryGetValue(name, out var values)) continue;
            bool grows = values[1] > values[0];
            if (!grows && !(values[1] < values[0])) continue; // equal (or not a number): not a counter
            int i = 2;
            while (i < values.Count && (grows ? values[i] > values[i - 1] : values[i] < values[i - 1])) i++;
            if (i == values.Count)
                warnings.Add($"features_to_process: '{name}' {(grows ? "grows" : "shrinks")} at every one of the {frame.RowCount:N0} " +
                    "rows, as a row number or a time stamp does: a model can learn where a row sits in the file instead of what it is " +
                    "(consider ignore_features)");
        }
    }

    /// <summary>A class with fewer training rows than this gets a handful of held-out and selection rows at most.</summary>
    internal const int RareClassRows = 20;

    /// <summary>A class with a few training rows is scored on one or two held-out rows: its recall and F1 (and macro-F1)
    /// swing by a row, and a model may never predict it. The user should know before reading those figures.</summary>
    private static void NoteRareClasses(double[] y, TargetCodec codec, string pf, List<string> warnings)
    {
        if (y.Length < ColumnCheckMinRows) return; // on a small file every figure rests on few rows
        var rare = y.CountBy(v => v).Where(c => c.Value < RareClassRows).OrderBy(c => c.Value).ThenBy(c => c.Key).ToList();
        if (rare.Count == 0) return;
        var named = rare.Take(10).Select(c => $"{codec.ClassNames[codec.IndexOf(c.Key)]} {c.Value}");
        warnings.Add($"{pf}: {rare.Count} of {codec.ClassValues.Count} classes {(rare.Count == 1 ? "has" : "have")} fewer than " +
            $"{RareClassRows} training rows ({string.Join(", ", named)}{(rare.Count > 10 ? ", ..." : "")}): their recall and F1 rest " +
            "on a few held-out rows and a model may never predict them (more rows of them, or a broader class, would help)");
    }

    /// <summary>A feature with no more values than there are classes, each value going with one class on every training
    /// row, is the target under another name (a dataset's 0/1 label beside its attack-category column): a model reads the
    /// answer from it, and its held-out accuracy says nothing about traffic.</summary>
    private static void NoteTargetCopies(Frame frame, IEnumerable<string> features, double[] y, int classes, List<string> warnings)
    {
        if (frame.RowCount < ColumnCheckMinRows) return;
        var probe = ProbeRows(y, classes);
        foreach (var name in features)
        {
            bool copies = frame.Text.TryGetValue(name, out var text) ? TellsClass(text, y, classes, probe)
                : frame.Numeric.TryGetValue(name, out var numbers) && TellsClass(numbers, y, classes, probe);
            if (copies)
                warnings.Add($"features_to_process: '{name}' alone tells the class of every training row (each of its values goes with " +
                    "one class): is it the target under another name? A model would read the answer from it (consider ignore_features)");
        }
    }

    /// <summary>Rows to try first: up to 256 of each class, so a column of traffic shows a value shared by two classes at
    /// once, whatever the file's order and however rare a class.</summary>
    private static int[] ProbeRows(double[] y, int classes)
    {
        const int PerClass = 256;
        var taken = new Dictionary<double, int>();
        var rows = new List<int>();
        int full = 0;
        for (int i = 0; i < y.Length && full < classes; i++)
        {
            int n = taken[y[i]] = taken.GetValueOrDefault(y[i]) + 1;
            if (n <= PerClass) rows.Add(i);
            if (n == PerClass) full++;
        }
        return [.. rows];
    }

    /// <summary>Whether each value goes with one class, with at most <paramref name="classes"/> values (an id column, one
    /// value per row, tells nothing): the probe rows first, and the full pass only for a column they do not clear.</summary>
    private static bool TellsClass<T>(IReadOnlyList<T> values, double[] y, int classes, int[] probe) where T : notnull
        => OneClassPerValue(values, y, classes, probe) && OneClassPerValue(values, y, classes, Enumerable.Range(0, values.Count));

    private static bool OneClassPerValue<T>(IReadOnlyList<T> values, double[] y, int classes, IEnumerable<int> rows) where T : notnull
    {
        var classOf = new Dictionary<T, double>();
        foreach (int i in rows)
        {
            if (classOf.TryGetValue(values[i], out var c)) { if (c != y[i]) return false; }
            else if (classOf.Count == classes) return false;
            else classOf[values[i]] = y[i];
        }
        return true;
    }

    /// <summary>The request's map with the training values that match a key only in another letter case added as keys
    /// (<see cref="TargetRules.WithCaseVariants"/>), said in a warning since a map is exact text otherwise.</summary>
    private static TargetRules WithCaseVariants(TargetRules rules, string[] raw, List<string> warnings)
    {
        var extended = rules.WithCaseVariants(raw, out var added);
        if (added.Count > 0)
            warnings.Add("target_rules.map: " + string.Join(", ", added.Take(10).Select(m => $"'{m.Value}' took the key '{m.Key}'")) +
                (added.Count > 10 ? $", ... ({added.Count} values)" : "") + " regardless of letter case");
        return extended;
    }

    /// <summary>Why a mapped target came out as one class: the map's keys that no training row holds, and what the column
    /// does hold, most frequent first (a flow export says "BENIGN" where the template maps "normal").</summary>
    private static string UnmatchedMapHint(TargetRules rules, string[] raw)
    {
        var counts = raw.GroupBy(v => v.Trim(), StringComparer.Ordinal).Select(g => (Value: g.Key, Rows: g.Count()))
            .OrderByDescending(c => c.Rows).ThenBy(c => c.Value, StringComparer.Ordinal).ToList();
        var unmatched = rules.Map.Keys.Where(k => !counts.Any(c => string.Equals(k.Trim(), c.Value, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        if (unmatched.Count == 0) return "";
        return $"; no training row holds the target_rules.map key{(unmatched.Count > 1 ? "s" : "")} " +
               string.Join(", ", unmatched.Take(10).Select(k => $"'{k}'")) + "; the column holds " +
               string.Join(", ", counts.Take(10).Select(c => $"'{c.Value}' ({c.Rows:N0} rows)")) +
               (counts.Count > 10 ? $", ... ({counts.Count} values)" : "") +
               (counts.All(c => double.TryParse(c.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                   ? " (numbers: leave target_rules out to take them as the classes)"
                   : " (map their values, e.g. the normal traffic's to 0)");
    }

    internal static string FormatValue(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static List<string> SelectFeatures(AntiNexRequest r, IReadOnlyList<string> sourceColumns, string pf)
    {
        var listed = r.FeaturesToProcess.Count > 0 ? r.FeaturesToProcess : sourceColumns;
        var features = listed.Where(f => f != pf && !r.IgnoreFeatures.Contains(f)).Distinct().ToList();
        if (features.Count == 0)
            throw new RequestException("features_to_process", "no features left after removing predict_feature and ignore_features");
        // Without features_to_process the features are known only now: a listed transform must not fall away unnoticed.
        var chosen = features.ToHashSet(StringComparer.Ordinal);
        var issues = r.CategoricalFeatures.Where(c => !chosen.Contains(c))
            .Select(c => new RequestIssue("categorical_features", $"'{c}' is not among the features ({Why(c)})"))
            .Concat(r.LogFeatures.Where(c => !chosen.Contains(c))
                .Select(c => new RequestIssue("log_features", $"'{c}' is not among the features ({Why(c)})")))
            .ToList();
        if (issues.Count > 0) throw new RequestException(issues);
        return features;

        string Why(string c) => r.IgnoreFeatures.Contains(c) ? "it is in ignore_features"
            : sourceColumns.Contains(c) ? "it is not in features_to_process" : "the dataset has no such column";
    }

    private static List<ColumnPlan> BuildPlan(AntiNexRequest request, IReadOnlyList<string> features, string pf)
    {
        var plan = features.Select(f => new ColumnPlan(f, request.CategoricalFeatures.Contains(f) ? ColumnKind.Text : ColumnKind.Numeric,
            "features_to_process")).ToList();
        plan.Add(new ColumnPlan(pf, request.IsRegression ? ColumnKind.Numeric : ColumnKind.Text, "predict_feature",
            NeedsValue: request.IsRegression));
        foreach (var s in request.SortValues.Where(s => plan.All(p => p.Name != s)))
            plan.Add(new ColumnPlan(s, ColumnKind.Text, "sort_values"));
        return plan;
    }

    internal static double[] TargetValues(TargetRules? rules, Frame frame, string pf, bool regression)
    {
        if (regression) return frame.Numeric[pf].ToArray();
        var raw = frame.Text[pf];
        var values = new double[frame.RowCount];
        for (int i = 0; i < values.Length; i++) values[i] = TargetCodec.ClassValueOf(raw[i], rules, "predict_feature", frame.RowIds[i]);
        return values;
    }

    /// <summary>A test file's targets. Under a derived numbering, a class the training rows lack is named in a warning and
    /// its rows read as NaN (no class: they are not scored), as an unseen numeric class's rows are.</summary>
    internal static double[] TestTargetValues(ClassNumbering? numbering, TargetRules? rules, Frame frame, string pf, bool regression,
        List<string> warnings, string field = "test_dataset")
    {
        if (numbering is null || regression) return TargetValues(rules, frame, pf, regression);
        var raw = frame.Text[pf];
        var unseen = numbering.Unseen(raw);
        if (unseen.Count > 0)
            warnings.Add($"{field} has classes the training data lacks ({string.Join(", ", unseen.Take(10))}" +
                (unseen.Count > 10 ? $", ... ({unseen.Count} in all)" : "") +
                "): those rows cannot be scored and are left out of the accuracy and the confusion matrix");
        var fileRules = numbering.RulesFor(raw);
        var values = new double[frame.RowCount];
        for (int i = 0; i < values.Length; i++)
            values[i] = fileRules.TryMap(raw[i], out var v) ? v : double.NaN;
        if (values.Length > 0 && values.All(double.IsNaN))
            throw new RequestException(field, $"none of its {values.Length} rows has a class of the training data: there is nothing to score");
        return values;
    }
}
