using System.Text.RegularExpressions;
using AntiNex.Gateway.Commands;
using AntiNex.Models;
using AntiNex.Reporting;
using Spectre.Console;

namespace AntiNex.Tests.Gateway;

/// <summary>A cluster train reply as a table: a classification's undefined precision, recall and F1 (test rows with no
/// attack, none flagged) show as "-", where the row used to vanish; a regression has no such rows.</summary>
[Collection(ConsoleEscapingTests.Console)]
public class TrainReplyTableTests
{
    private static string Render(TrainingReport report)
    {
        var previous = AnsiConsole.Console;
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        AnsiConsole.Console = console;
        try
        {
            new Output(json: false).Reply(new ModelTrainedReply("blobs", 1, report, null, "node:1", [], null));
            return writer.ToString();
        }
        finally { AnsiConsole.Console = previous; }
    }

    private static Regex Row(string metric, string value) => new($@"(?m)^[^\w-]*{metric}[^\w-]+{Regex.Escape(value)}[^\w-]*$");

    [Fact]
    public void Undefined_classification_metrics_show_a_dash()
    {
        var text = Render(new TrainingReport { Label = "blobs", Accuracy = 100, TestRows = 40 });
        foreach (var metric in new[] { "precision", "recall", "f1" }) Assert.Matches(Row(metric, "-"), text);

        var defined = Render(new TrainingReport { Label = "blobs", Accuracy = 90, Precision = 0.5, Recall = 0.25, F1 = 1 / 3.0 });
        Assert.Matches(Row("precision", 0.5.ToString("F4")), defined);

        var regression = Render(new TrainingReport { Label = "blobs", MlType = "regression", Mse = 1, Mae = 1, R2 = 0.5 });
        Assert.DoesNotContain("precision", regression);
    }
}
