using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AntiNex.Data.Synthetic;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// antinex-gateway generate --rows N --seed S --out FILE [--attack-fraction F]: writes a synthetic, labelled traffic
/// CSV in the AntiNex schema (demo data, load-test data, data for tests that run without ../shared).
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var rows = new Option<long>("--rows", "-n")
        {
            Description = "Number of data rows to write (any size: the file is streamed).",
            DefaultValueFactory = _ => 10_000,
        };
        var seed = new Option<long>("--seed")
        {
            Description = "Random seed: the same seed and options give the same bytes.",
            DefaultValueFactory = _ => SyntheticTraffic.DefaultSeed,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "CSV file to write ('-' for standard output). Its folder is created.",
            Required = true,
        };
        var attackFraction = new Option<double>("--attack-fraction")
        {
            Description = "Fraction of rows labelled attack (label_value 1), between 0 and 1.",
            DefaultValueFactory = _ => SyntheticTraffic.DefaultAttackFraction,
        };

        var command = new Command("generate",
            "Write synthetic labelled network-traffic rows (AntiNex schema: 67 features + label_value) to a CSV file.")
        {
            rows, seed, output, attackFraction,
        };
        command.SetAction(parse => Run(parse.GetValue(rows), parse.GetValue(seed), parse.GetValue(output)!,
            parse.GetValue(attackFraction)));
        return command;
    }

    private static int Run(long rows, long seed, string output, double attackFraction)
    {
        if (rows < 0) return Fail("--rows: must be 0 or more");
        if (double.IsNaN(attackFraction) || attackFraction < 0 || attackFraction > 1)
            return Fail($"--attack-fraction: {attackFraction.ToString(CultureInfo.InvariantCulture)} is not between 0 and 1");

        var clock = Stopwatch.StartNew();
        SyntheticSummary summary;
        if (output == "-")
        {
            using var stdout = Console.OpenStandardOutput();
            summary = SyntheticTraffic.Write(stdout, rows, seed, attackFraction);
        }
        else
        {
            var lastReport = Stopwatch.StartNew();
            var progress = new SynchronousProgress(written =>
            {
                if (written < rows && lastReport.Elapsed.TotalSeconds < 1) return;
                lastReport.Restart();
                Console.Error.Write($"\rgenerating: {written:N0}/{rows:N0} rows ({100.0 * written / Math.Max(1, rows):F0} %)   ");
            });
            try
            {
                summary = SyntheticTraffic.WriteFile(output, rows, seed, attackFraction, progress);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail($"--out: cannot write '{output}': {e.Message}");
            }
            Console.Error.WriteLine();
        }
        double seconds = clock.Elapsed.TotalSeconds;

        // The summary goes to stderr when the CSV itself goes to stdout.
        var report = output == "-" ? Console.Error : Console.Out;
        report.WriteLine($"wrote {summary.Rows:N0} rows ({summary.AttackRows:N0} attack, {summary.BenignRows:N0} benign, " +
                         $"attack fraction {summary.ActualAttackFraction:F3}) seed={seed} to {(output == "-" ? "stdout" : Path.GetFullPath(output))}");
        if (output != "-")
            report.WriteLine($"{new FileInfo(output).Length / 1048576.0:F1} MiB in {seconds:F2} s " +
                             $"({summary.Rows / Math.Max(seconds, 1e-9):N0} rows/s)");
        return ExitCodes.Ok;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"generate: {message}");
        return ExitCodes.BadInput;
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; this reports inline, in order.</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
