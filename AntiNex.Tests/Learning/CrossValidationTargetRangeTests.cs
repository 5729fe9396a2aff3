using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Tests.Data;

namespace AntiNex.Tests.Learning;

/// <summary>A cross-validation fold's regression target is scaled on the fold's own fitting rows: a row it is scored on
/// cannot move its fit through the target's range (a search ranks trials by these scores).</summary>
public sealed class CrossValidationTargetRangeTests
{
    [Fact]
    public void A_fold_s_validation_row_never_reaches_that_fold_s_fit_through_the_target_range()
    {
        // One row's target set to y0 (as generated), then far outside every other target. For the fold that scores it, with
        // the fit unchanged, n·MSE = S + (p - y)², and p, the row's prediction, comes out of any two runs the same.
        const string json = """
            {"label": "CvRegression", "dataset": "train.csv", "ml_type": "regression", "predict_feature": "y", "apply_scaler": true,
             "features_to_process": ["x0", "x1", "proto"], "categorical_features": ["proto"], "num_splits": 3, "seed": 4, "epochs": 5}
            """;
        var request = EngineTestData.Request(json);
        var lines = AutoSelectionTests.RegressionCsv(300, 7).TrimEnd('\n').Split('\n');
        var (trainRows, _) = Splits.TrainTest(300, request.TestSize, request.Seed, null); // as RowSplit makes it for a regression
        var foldOf = Splits.KFold(trainRows.Length, 3, null, request.Seed);
        int row = trainRows[0], fold = foldOf[0] + 1;
        var y0 = TargetProbe.TargetOf(lines, row);
        FoldScore Run(double y)
        {
            using var t = new EngineTestData.TempRoot();
            t.Write("train.csv", TargetProbe.WithTarget(lines, row, y));
            var report = TrainingEngine.CrossValidate(EngineTestData.Request(json), t.Roots, EngineTestData.SingleThread, null, default);
            return report.Cv!.Single(f => f.Fold == fold);
        }
        var (f0, f1, f2) = (Run(y0), Run(50), Run(100));
        int n = f0.TestRows;
        double p01 = TargetProbe.ImpliedPrediction(n, f0.Score, y0, f1.Score, 50);
        double p12 = TargetProbe.ImpliedPrediction(n, f1.Score, 50, f2.Score, 100);
        Assert.True(Math.Abs(p01 - p12) < 1e-6, $"fold {fold}: the row's prediction moved with its target ({p01} vs {p12})");
        Assert.InRange(p01, -10, 10);
    }
}
