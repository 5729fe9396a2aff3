using System.Diagnostics;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Training;

/// <summary>The other training/ figure scripts refuse a bad option as quality-figures.sh does: at once, naming it, exit
/// 2, before the build and without creating their output folder (they share training/lib/options.sh).</summary>
public sealed class FigureScriptsUsageTests
{
    [Theory]
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
        var out_ = Path.Combine(parent, "out");
        try
        {
            string[] args = [Path.Combine(Repo.Root, "training", script + ".sh"), "--out", out_, .. options.Split(' ')];
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
            Assert.Contains($"{script}: {message}", output);
            Assert.DoesNotContain("unbound variable", output);
            Assert.DoesNotContain("== build", output);
            Assert.False(Directory.Exists(out_), "a refused run created its --out folder");
        }
        finally { Directory.Delete(parent, recursive: true); }
    }
}
