using AntiNex.Gateway.Cluster;
using AntiNex.Gateway.Commands;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Reporting;
using Spectre.Console;

namespace AntiNex.Tests.Gateway;

/// <summary>
/// Labels stored before the label rule may hold console markup ("web[1]") or terminal escapes. The console prints
/// them as text: the listing renders (it failed with "malformed markup tag" for every user), no escape reaches the
/// terminal, and the label stays recognisable.
/// </summary>
[Collection(ConsoleEscapingTests.Console)]
public class ConsoleEscapingTests
{
    public const string Console = "AnsiConsole.Console is process-wide";

    private static readonly string[] Labels = ["web[1]", "[bold]x[/", "\u001b[31mred\u001b[0m", "evil\u202Egnp.exe", "line\nbreak", "plain-label"];

    private static (int Code, string Text) Render(object reply)
    {
        var previous = AnsiConsole.Console;
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 400; // no wrapping: each cell reads whole
        AnsiConsole.Console = console;
        try { return (new Output(json: false).Reply(reply), writer.ToString()); }
        finally { AnsiConsole.Console = previous; }
    }

    private static ModelDescription Model(string label) => new(label, true, 3,
        new ModelSummary { Label = label, MlType = "classification", PredictFeature = "label_value", InputFeatures = ["a[0]", "b"] },
        null, DateTimeOffset.UnixEpoch, "node\u001b]0;title\u0007", true, "serving", 0);

    [Fact]
    public void The_models_table_renders_labels_with_markup_and_control_characters()
    {
        var (code, text) = Render(new ModelList(Labels.Select(Model).ToList(), []));
        Assert.Equal(ExitCodes.Ok, code);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\u202E', text);
        foreach (var visible in new[] { "web[1]", "[bold]x[/", "\\u001B[31mred", "evil\\u202Egnp.exe", "line\\u000Abreak", "plain-label",
            "node\\u001B]0;title\\u0007" })
            Assert.Contains(visible, text);
    }

    [Fact]
    public void Describe_predictions_failures_and_status_render_such_labels_too()
    {
        foreach (var label in Labels)
        {
            Assert.Equal(ExitCodes.Ok, Render(Model(label)).Code);
            var result = new PredictionResult
            {
                Label = label, Rows = 2, Summary = $"{label} made predictions=2 found=2 accuracy=None",
                Samples = [new SamplePrediction(0, null, 1, "attack[1]", 0.9), new SamplePrediction(1, null, 1, label, null) { Unscorable = true }],
            };
            var (code, text) = Render(new Predicted(label, 1, result, "n1", false, 0, null));
            Assert.Equal(ExitCodes.Ok, code);
            Assert.Contains("attack[1]", text);
            Assert.Contains("unscorable (alarm)", text);
            Assert.DoesNotContain('\u001b', text);
        }
        var status = new ClusterStatus("self[1]", [new MemberStatusRow("akka.tcp://x@h[2]:1", ["role[3]"], "Up", true, true, 1, 2, 0)], "err[4]");
        var (statusCode, statusText) = Render(status);
        Assert.Equal(ExitCodes.Ok, statusCode);
        Assert.Contains("h[2]", statusText);
        Assert.Contains("role[3]", statusText);
        // Failures go to stderr (a console of their own); rendering them must not throw.
        Assert.Equal(ExitCodes.ModelFailed, Render(new ModelFailed("web[1]\u001b", "bad-request", "label: [x]", [new("label[2]", "bad\u001b")],
            null)).Code);
    }

    [Fact]
    public void Describe_shows_the_cell_rules_the_model_keeps_from_its_training()
    {
        var plain = Model("cells");
        string Line(string text, string field) => Assert.Single(text.Split('\n'), l => l.Contains(field, StringComparison.Ordinal));
        var (code, text) = Render(plain);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("-1 (empty cells read as this)", Line(text, "mark_empty"));
        Assert.Contains("error (NaN/Infinity cells are refused)", Line(text, "non_finite"));
        (_, text) = Render(plain with { Summary = plain.Summary! with { MarkEmpty = -2.5, NonFinite = "empty" } });
        Assert.Contains("-2.5 (empty cells read as this)", Line(text, "mark_empty"));
        Assert.Contains("empty (NaN/Infinity cells read as empty cells)", Line(text, "non_finite"));
    }

    [Theory]
    [InlineData("web[1]", "web[1]", "web[[1]]")]
    [InlineData("a\u001b[2Jb", "a\\u001B[2Jb", "a\\u001B[[2Jb")]
    [InlineData("ok", "ok", "ok")]
    public void Plain_shows_control_characters_and_cell_also_escapes_markup(string raw, string plain, string cell)
    {
        Assert.Equal(plain, ConsoleText.Plain(raw));
        Assert.Equal(cell, ConsoleText.Cell(raw));
    }
}
