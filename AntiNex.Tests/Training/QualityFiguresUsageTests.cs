using System.Diagnostics;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Training;

/// <summary>training/quality-figures.sh refuses a bad option at once, naming it, with exit 2: not a bash "unbound
/// variable", not a Python traceback or a failed run minutes later after the build, and it creates no output folder.</summary>
public sealed class QualityFiguresUsageTests
{
    [Theory]
    [InlineData("--seeds", "--seeds needs a value")]
    [InlineData("--datasets", "--datasets needs a value")]
    [InlineData("--seeds x", "--seeds: 'x' is not an integer")]
    [InlineData("--datasets synthetic,nope", "--datasets: unknown dataset 'synthetic,nope'")]
    [InlineData("--datasets nope", "--datasets: unknown dataset 'nope'")]
    [InlineData("--novelty-budget abc", "--novelty-budget: 'abc' is not a number from 0 to 10")]
    [InlineData("--novelty-budget 11", "--novelty-budget: '11' is not a number from 0 to 10")]
    [InlineData("--tree-threads 0", "--tree-threads: '0' is not an integer >= 1")]
    [InlineData("--data /nonexistent-antinex-data", "--data: '/nonexistent-antinex-data' is not a folder")]
    [InlineData("--train-file nsl-kdd/none.txt", "--train-file: 'nsl-kdd/none.txt' is not a file under --data")]
    public async Task A_bad_option_is_refused_before_the_build_naming_it(string options, string message)
    {
        var parent = Directory.CreateTempSubdirectory("antinex-quality-usage-").FullName;
        var data = Directory.CreateDirectory(Path.Combine(parent, "data")).FullName;
        var out_ = Path.Combine(parent, "out");
        try
        {
            // Options given last win, so the --data and --out here only stand in for the missing defaults.
            string[] args = [Path.Combine(Repo.Root, "training", "quality-figures.sh"), "--data", data, "--out", out_,
                .. options.Split(' ')];
            var info = new ProcessStartInfo("bash", args)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            var output = await stdout + await stderr;

            Assert.True(process.ExitCode == 2, $"exit {process.ExitCode}: {output}");
            Assert.Contains($"quality-figures: {message}", output);
            Assert.DoesNotContain("unbound variable", output);
            Assert.DoesNotContain("Traceback", output);
            Assert.DoesNotContain("== build", output);
            Assert.False(Directory.Exists(out_), "a refused run created its --out folder");
        }
        finally { Directory.Delete(parent, recursive: true); }
    }
}
