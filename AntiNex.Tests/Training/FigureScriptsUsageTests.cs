using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Training;

/// <summary>The training/ figure scripts refuse a bad option at once, naming it, with exit 2 (they share
/// training/lib/options.sh): not a bash "unbound variable", not a Python traceback or a failed run minutes later after
/// the build, and they create no output folder.</summary>
public sealed class FigureScriptsUsageTests
{
    [Theory]
    [InlineData("quality-figures", "--seeds", "--seeds needs a value")]
    [InlineData("quality-figures", "--datasets", "--datasets needs a value")]
    [InlineData("quality-figures", "--seeds x", "--seeds: 'x' is not an integer")]
    [InlineData("quality-figures", "--datasets synthetic,nope", "--datasets: unknown dataset 'synthetic,nope'")]
    [InlineData("quality-figures", "--datasets nope", "--datasets: unknown dataset 'nope'")]
    [InlineData("quality-figures", "--novelty-budget abc", "--novelty-budget: 'abc' is not a number from 0 to 10")]
    [InlineData("quality-figures", "--novelty-budget 11", "--novelty-budget: '11' is not a number from 0 to 10")]
    [InlineData("quality-figures", "--tree-threads 0", "--tree-threads: '0' is not an integer >= 1")]
    [InlineData("quality-figures", "--data /nonexistent-antinex-data", "--data: '/nonexistent-antinex-data' is not a folder")]
    [InlineData("quality-figures", "--train-file nsl-kdd/none.txt", "--train-file: 'nsl-kdd/none.txt' is not a file under --data")]
    [InlineData("regression-figures", "--seeds", "--seeds needs a value")]
    [InlineData("regression-figures", "--seeds 1,x", "--seeds: 'x' is not an integer")]
    [InlineData("regression-figures", "--bogus", "unknown argument --bogus")]
    [InlineData("flow-export-figures", "--seeds", "--seeds needs a value")]
    [InlineData("flow-export-figures", "--seeds 1.5", "--seeds: '1.5' is not an integer")]
    [InlineData("nsl-kdd-figures", "--seeds", "--seeds needs a value")]
    [InlineData("nsl-kdd-figures", "--tree-threads 0", "--tree-threads: '0' is not an integer >= 1")]
    [InlineData("nsl-kdd-figures", "--multiclass", "--multiclass needs a value")]
    public async Task A_bad_option_is_refused_before_the_build_naming_it(string script, string options, string message)
    {
        var parent = Directory.CreateTempSubdirectory("antinex-figures-usage-").FullName;
        var data = Directory.CreateDirectory(Path.Combine(parent, "data")).FullName;
        var out_ = Path.Combine(parent, "out");
        try
        {
            // Options given last win, so the --data and --out here only stand in for the missing defaults.
            string[] defaults = script == "quality-figures" ? ["--data", data, "--out", out_] : ["--out", out_];
            var run = await Bash.ScriptAsync($"training/{script}.sh", [.. defaults, .. options.Split(' ')]);

            Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.Output}");
            Assert.Contains($"{script}: {message}", run.Output);
            Assert.DoesNotContain("unbound variable", run.Output);
            Assert.DoesNotContain("Traceback", run.Output);
            Assert.DoesNotContain("== build", run.Output);
            Assert.False(Directory.Exists(out_), "a refused run created its --out folder");
        }
        finally { Directory.Delete(parent, recursive: true); }
    }
}
