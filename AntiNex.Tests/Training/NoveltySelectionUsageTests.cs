using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Training;

/// <summary>training/novelty-selection/select.sh answers --help with its usage, and refuses a missing request or a
/// malformed seed, size or max_fpr list at once (exit 2, naming it): not after the split and the build, as a .NET
/// exception.</summary>
public sealed class NoveltySelectionUsageTests
{
    [Theory]
    [InlineData(0, "Usage: training/novelty-selection/select.sh", "--help")]
    [InlineData(2, "select.sh: request '/nonexistent-antinex.json' is not a file", "/nonexistent-antinex.json")]
    [InlineData(2, "select.sh: seed 'x' is not an integer", "training/nsl-kdd-binary-quality.json", "1 x")]
    [InlineData(2, "select.sh: sizes '128-32' are not layer widths", "training/nsl-kdd-binary-quality.json", "1", "128-32")]
    [InlineData(2, "select.sh: max_fpr values 'a' are not numbers", "training/nsl-kdd-binary-quality.json", "1", "128,32", "a")]
    public async Task Help_and_bad_arguments_are_answered_before_any_work(int exit, string message, params string[] arguments)
    {
        var run = await Bash.ScriptAsync("training/novelty-selection/select.sh", arguments, workingDirectory: Repo.Root);
        var output = run.Output;

        Assert.True(run.ExitCode == exit, $"exit {run.ExitCode}: {output}");
        Assert.Contains(message, output);
        Assert.DoesNotContain("leave-attack-out split in", output); // make-lao.sh never ran
        Assert.DoesNotContain("Exception", output);
    }
}
