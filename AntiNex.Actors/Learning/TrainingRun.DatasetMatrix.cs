namespace AntiNex.Learning;

/// <summary>The final fit's data from one feature matrix of the whole training file (see <see cref="DatasetMatrix"/>).</summary>
internal sealed partial class TrainingRun
{
    /// <summary>The training file's feature matrix when the final fit was built from one; its rows also give the file's predictions.</summary>
    private DatasetMatrix? _datasetMatrix;

    /// <summary>
    /// The final fit's training, validation and test data. One matrix of the training file, filled chunk by chunk while the
    /// frame's raw feature values are released; the fitting, validation and held-out test rows are indexes into it, never
    /// copies (a test_dataset file is transformed on its own). A fold ensemble (no final fit) and
    /// <see cref="EngineOptions.CopySplits"/> transform each split from the frame instead. Both give the very same values.
    /// </summary>
    private (TensorData? Train, TensorData? Validation, TensorData Test) FinalData(PreparedData data, RowSplit split,
        FeaturePipeline pipeline, int[] fitRows, int[] valRows, bool foldEnsemble)
    {
        TensorData? Copy(int[] rows) => rows.Length > 0 ? ToTensorData(pipeline, data.Frame, rows, data.Y, data.Classes, data.Codec) : null;
        bool testFromFile = split.TestFrame != data.Frame;
        if (foldEnsemble || options.CopySplits)
            return (foldEnsemble ? null : Copy(fitRows), Copy(valRows),
                ToTensorData(pipeline, split.TestFrame, split.TestRows, split.TestY, split.TestClasses, data.Codec));
        var matrix = DatasetMatrix.Build(pipeline, data.Frame, release: true, request.Dataset is null ? "predict_rows" : request.DatasetField, ct);
        _datasetMatrix = matrix;
        TensorData View(int[] rows, double[] y, int[]? classes) =>
            Targets(new TensorData(matrix.X, rows.Length, matrix.Width, null, null) { Index = rows }, rows, y, classes, data.Codec);
        var train = View(fitRows, data.Y, data.Classes);
        var val = valRows.Length > 0 ? View(valRows, data.Y, data.Classes) : null;
        var test = testFromFile
            ? ToTensorData(pipeline, split.TestFrame, split.TestRows, split.TestY, split.TestClasses, data.Codec)
            : View(split.TestRows, split.TestY, split.TestClasses);
        MemoryTrace.Mark("splits ready");
        return (train, val, test);
    }

    /// <summary>The rows' class indexes or scaled targets, as <see cref="ToTensorData"/> gives them.</summary>
    private static TensorData Targets(TensorData d, int[] rows, double[] y, int[]? classes, TargetCodec codec) => codec.Regression
        ? d with { Targets = rows.Select(i => (float)codec.ScaleTarget(y[i])).ToArray() }
        : d with { Classes = rows.Select(i => classes![i]).ToArray() };
}
