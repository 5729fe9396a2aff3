using AntiNex.Gateway.Commands;
using AntiNex.Models;
using Spectre.Console;

namespace AntiNex.Tests.Gateway;

/// <summary>`describe` of a label with nothing trained (never trained, or forgotten) is a failure, as the HTTP API's 404,
/// not a table whose "version 0", node and "reloads from its snapshot on use" read as a stored model.</summary>
[Collection(ConsoleEscapingTests.Console)]
public class DescribeReplyTests
{
    private static (int Code, string Out) Render(ModelDescription description)
    {
        var previous = AnsiConsole.Console;
        var writer = new StringWriter();
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        try { return (new Output(json: false).Reply(description), writer.ToString()); }
        finally { AnsiConsole.Console = previous; }
    }

    private static ModelDescription Untrained(string state)
        => new("no-such", Trained: false, Version: 0, Summary: null, Metrics: null, TrainedUtc: null, "127.0.0.1:4054", Loaded: false, state, 0);

    [Theory]
    [InlineData("idle")]
    [InlineData("training")]
    public void A_label_with_nothing_trained_is_a_failure_without_a_model_table(string state)
    {
        var (code, stdout) = Render(Untrained(state));
        Assert.Equal(ExitCodes.ModelFailed, code);
        Assert.DoesNotContain("reloads from its snapshot", stdout);
        Assert.DoesNotContain("version", stdout);
    }

    [Fact]
    public void A_trained_model_is_still_a_table()
    {
        var (code, stdout) = Render(Untrained("idle") with { Trained = true, Version = 3 });
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("reloads from its snapshot on use", stdout);
    }
}
