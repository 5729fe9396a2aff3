using AntiNex.Gateway.Commands;
using AntiNex.Reporting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AntiNex.Tests.Gateway;

/// <summary>
/// The confusion matrix and the model selection as console tables. A matrix wider than the console was squeezed by the
/// table renderer into one character per column (class names and counts written vertically), so a 20-class report could
/// not be read; it now picks a layout that fits.
/// </summary>
public class ReportTablesTests
{
    private static string Render(IRenderable table, int width)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        console.Write(table);
        return writer.ToString();
    }

    /// <summary>k classes named class_name_00.., each row mostly on the diagonal with a few confusions into the next class.</summary>
    private static TrainingReport Report(int k)
    {
        var cm = Enumerable.Range(0, k).Select(t => Enumerable.Range(0, k).Select(p => p == t ? 1000 + t : p == (t + 1) % k ? t + 1 : 0).ToArray())
            .ToArray();
        return new TrainingReport { ConfusionMatrix = cm, ClassNames = Enumerable.Range(0, k).Select(i => $"class_name_{i:00}").ToList() };
    }

    /// <summary>The text with every run of whitespace as one space: titles wrap at the console width.</summary>
    private static string Flat(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    private static void AssertFits(string text, int width)
        => Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= width, $"wider than {width}: {line}"));

    [Fact]
    public void A_matrix_that_fits_is_headed_by_class_names()
    {
        var text = Render(ReportTables.ConfusionMatrix(Report(3), 120)!, 120);
        AssertFits(text, 120);
        Assert.Contains("rows: truth, columns: predicted", text);
        var header = text.Split('\n').First(l => l.Contains("class_name_00") && l.Contains("class_name_02"));
        Assert.Contains("class_name_01", header); // the names head the columns, on one line
        Assert.Contains("1002", text);
    }

    [Fact]
    public void A_matrix_too_wide_for_names_is_headed_by_class_numbers_and_its_rows_say_which_class_is_which()
    {
        var text = Render(ReportTables.ConfusionMatrix(Report(8), 100)!, 100);
        AssertFits(text, 100);
        Assert.Contains("columns are the class numbers", Flat(text));
        Assert.Contains("0 class_name_00", text);
        Assert.Contains("7 class_name_07", text);
        Assert.Contains("1007", text); // every count is whole, not broken over lines
    }

    [Fact]
    public void A_matrix_too_wide_for_numbers_lists_its_largest_confusions()
    {
        var r = Report(22);
        var text = Render(ReportTables.ConfusionMatrix(r, 80)!, 80);
        AssertFits(text, 80);
        Assert.Contains("off-diagonal cells of the 22-class confusion matrix, largest first", Flat(text));
        // Largest first: class 21's 22 rows predicted as class 0, then class 20's 21 rows as class 21.
        var lines = text.Split('\n').Where(l => l.Contains("class_name_")).ToList();
        Assert.Contains("class_name_21", lines[0]);
        Assert.Contains("class_name_00", lines[0]);
        Assert.Contains("22", lines[0]);
        Assert.Contains("class_name_20", lines[1]);
        Assert.Contains("... 2 more cells", text); // 22 confusions, 20 shown
        Assert.DoesNotContain("1000", text); // no diagonal cell
    }

    [Fact]
    public void The_model_selection_shows_every_candidate_its_figures_and_verdict()
    {
        var r = new TrainingReport
        {
            Selection = new SelectionReport
            {
                Winner = "fast_tree, scaler standard", Metric = "macro-F1 (x100) on the selection rows", FitRows = 900, SelectionRows = 100,
                Candidates =
                [
                    new("network, scaler ple", 80.1, 97.5, 0.801, 0.4, null) { Verdict = "less accurate than the reference" },
                    new("light_gbm, scaler standard", 86.5, 99.78, 0.865, 0.05, null)
                        { Verdict = "macro-F1 ahead on 68 % of 200 resamples (needs 95 %)" },
                    new("fast_tree, scaler standard", 80.9, 99.78, 0.809, 0.05, null) { Verdict = "winner; reference" },
                ],
            },
        };
        var text = Flat(Render(ReportTables.ModelSelection(r)!, 200));
        foreach (var s in new[] { "model selection on the training rows only (900 fitting rows, 100 selection rows", "network, scaler ple",
                     "97.50", "0.8650", "ahead on 68 % of 200 resamples", "winner; reference", "served: fast_tree, scaler standard" })
            Assert.Contains(s, text);
        Assert.DoesNotContain("leave-out", text); // no leave-attack-kind-out figures: no column for them
        Assert.Null(ReportTables.ModelSelection(new TrainingReport()));
    }

    [Fact]
    public void A_regression_selection_shows_mse_and_r2_instead_of_accuracy()
    {
        var r = new TrainingReport
        {
            Selection = new SelectionReport
            {
                Winner = "fast_tree, scaler standard", Metric = "MSE on the selection rows", FitRows = 900, SelectionRows = 100,
                Candidates =
                [
                    new("fast_tree, scaler standard", 0.1396, null, null, null, null) { Mse = 0.1396, R2 = 0.9767, Verdict = "winner; reference" },
                    new("light_gbm, scaler standard", 0.138, null, null, null, null)
                        { Mse = 0.138, R2 = 0.977, Verdict = "MSE lower on 63 % of 200 resamples (needs 95 %)" },
                ],
            },
        };
        var text = Flat(Render(ReportTables.ModelSelection(r)!, 200));
        foreach (var s in new[] { "MSE", "R²", "0.1396", "0.9767", "MSE lower on 63 % of 200 resamples" })
            Assert.Contains(s, text);
        Assert.DoesNotContain("accuracy", text);
        Assert.DoesNotContain("macro-F1", text);
    }
}
