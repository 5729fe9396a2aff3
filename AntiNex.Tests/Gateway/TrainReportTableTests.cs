using AntiNex.Tests.Data;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Gateway;

/// <summary>`train --local` without --json: the table output shows the quality report fields when the report has them.</summary>
public class TrainReportTableTests
{
    private static (int Code, string Out, string Err) Gateway(params string[] args) => GatewayProcess.Run(TimeSpan.FromSeconds(120), args);

    [Fact]
    public void The_report_tables_show_validation_epochs_ensemble_threshold_operating_points_and_per_class_metrics()
    {
        using var t = new EngineTestData.TempRoot();
        t.Write("blobs.csv", EngineTestData.BinaryCsv(240, 8));
        var quality = t.Write("q.json", EngineTestData.BinaryRequest(epochs: 6, splits: 3, extra: """
            , "validation_split": 0.2, "early_stopping": {"patience": 1}, "threshold": {"optimize": "f1"}, "ensemble": {"folds": true}
            """));
        var run = Gateway("train", "--local", "-f", quality, "--data-root", t.Path);
        Assert.True(run.Code == 0, run.Err);
        foreach (var text in new[]
                 {
                     "validation rows", "epochs run / best epoch", "ensemble size", "threshold rule", "out-of-fold",
                     "at 0.5", "at threshold", "accuracy %", "precision", "recall", "FPR", "per class", "support", "macro-F1",
                     "benign", "attack", "epochs (best)",
                 })
            Assert.Contains(text, run.Out);

        // A plain request has none of them: no empty rows, no tables of dashes.
        var plain = t.Write("p.json", EngineTestData.BinaryRequest(epochs: 2, splits: 0));
        var plainRun = Gateway("train", "--local", "-f", plain, "--data-root", t.Path);
        Assert.True(plainRun.Code == 0, plainRun.Err);
        foreach (var text in new[] { "validation rows", "ensemble size", "threshold rule" })
            Assert.DoesNotContain(text, plainRun.Out);
        Assert.Contains("2 / -", plainRun.Out); // epochs run, no best epoch without early stopping
        Assert.Contains("at 0.5", plainRun.Out); // a binary model always reports its operating point at 0.5
        Assert.Contains("macro-F1", plainRun.Out);
    }
}
