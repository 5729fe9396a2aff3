using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>
/// The second step: which rows train and which test. The held-out <c>test_size</c> split (seeded, stratified for
/// classification), or, with a test_dataset, every training-file row (seeded shuffle) against the test file's rows.
/// The validation carve inside the training rows is <see cref="Carve"/>.
/// </summary>
internal sealed record RowSplit(int[] TrainRows, int[] TestRows, Frame TestFrame, double[] TestY, int[]? TestClasses)
{
    /// <summary>Splits the prepared rows. <paramref name="testFileNamed"/>: the request names a test_dataset even when
    /// it was not loaded (search trials), so no rows are held out and the test side is empty.</summary>
    public static RowSplit Of(AntiNexRequest r, PreparedData data, bool testFileNamed)
    {
        var frame = data.Frame;
        RowSplit split;
        if (data.TestFrame is not null || testFileNamed)
        {
            var trainRows = Enumerable.Range(0, frame.RowCount).ToArray();
            new Random(r.Seed).Shuffle(trainRows);
            var testRows = Enumerable.Range(0, data.TestFrame?.RowCount ?? 0).ToArray();
            split = data.TestFrame is { } tf
                ? new RowSplit(trainRows, testRows, tf, data.TestY!, data.TestClasses)
                : new RowSplit(trainRows, testRows, frame, data.Y, data.Classes); // cross-validation only: no test rows at all
        }
        else
        {
            if (frame.RowCount < 2)
                throw new RequestException(r.Dataset is null ? "predict_rows" : r.DatasetField,
                    $"{frame.RowCount} row is too few to split into training and test rows");
            var (trainRows, testRows) = Splits.TrainTest(frame.RowCount, r.TestSize, r.Seed, data.Classes);
            if (testRows.Length == 0 || trainRows.Length == 0)
                throw new RequestException("test_size", $"test_size {r.TestSize} leaves {trainRows.Length} training and {testRows.Length} test rows");
            split = new RowSplit(trainRows, testRows, frame, data.Y, data.Classes);
        }
        if (data.Classes is { } classes && split.TrainRows.Select(i => classes[i]).Distinct().Count() < 2)
            throw new RequestException("predict_feature", "the training split holds a single class; add rows of another class or lower test_size");
        return split;
    }

    /// <summary>validation_split rows carved from the given training rows (stratified, seeded); none when the split is 0.</summary>
    public static (int[] Fit, int[] Validation) Carve(AntiNexRequest request, int[] rows, int[]? classes, int seed)
    {
        var fraction = request.Quality.ValidationSplit;
        if (fraction <= 0) return (rows, []);
        var (fitIdx, valIdx) = Splits.TrainTest(rows.Length, fraction, seed + 7919, classes is null ? null : rows.Select(i => classes[i]).ToArray());
        if (fitIdx.Length == 0 || valIdx.Length == 0)
            throw new RequestException("validation_split",
                $"validation_split {fraction} of {rows.Length} training rows leaves {fitIdx.Length} fitting and {valIdx.Length} validation rows: " +
                "the dataset has too few rows to train on (give it more rows)");
        return (fitIdx.Select(i => rows[i]).ToArray(), valIdx.Select(i => rows[i]).ToArray());
    }
}
