using System.Globalization;
using CsvHelper;

namespace AntiNex.Data.Synthetic;

/// <summary>What a generated file holds.</summary>
public sealed record SyntheticSummary(long Rows, long AttackRows, long Seed, double AttackFraction)
{
    public long BenignRows => Rows - AttackRows;
    public double ActualAttackFraction => Rows == 0 ? 0 : (double)AttackRows / Rows;
}

/// <summary>
/// Writes synthetic, labelled network-traffic rows in the AntiNex schema (<see cref="TrafficSchema"/>) as CSV.
/// Streaming: one reused row buffer, so any number of rows is written in flat memory. Synthetic data, not a capture:
/// see <see cref="TrafficGenerator"/> for how attack rows differ from benign ones.
/// </summary>
public static class SyntheticTraffic
{
    public const double DefaultAttackFraction = 0.3;
    public const long DefaultSeed = 42;

    private static readonly CsvWriterOptions CsvOptions = new() { NewLine = "\n" };

    /// <summary>
    /// Writes a header and <paramref name="rows"/> rows to <paramref name="writer"/> (left open).
    /// <paramref name="progress"/> receives the number of rows written so far, every 100,000 rows and at the end.
    /// </summary>
    public static SyntheticSummary Write(TextWriter writer, long rows, long seed = DefaultSeed,
        double attackFraction = DefaultAttackFraction, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var generator = Validate(rows, seed, attackFraction);
        using var csv = CsvWriter.Create(writer, CsvOptions, leaveOpen: true);
        return WriteRows(csv, generator, rows, seed, attackFraction, progress, cancellationToken);
    }

    /// <summary>As <see cref="Write(TextWriter,long,long,double,IProgress{long}?,CancellationToken)"/>, UTF-8 straight to a stream
    /// (faster).</summary>
    public static SyntheticSummary Write(Stream stream, long rows, long seed = DefaultSeed,
        double attackFraction = DefaultAttackFraction, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var generator = Validate(rows, seed, attackFraction);
        using var csv = CsvWriter.Create(stream, CsvOptions, leaveOpen: true);
        return WriteRows(csv, generator, rows, seed, attackFraction, progress, cancellationToken);
    }

    private static TrafficGenerator Validate(long rows, long seed, double attackFraction)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be 0 or more");
        return new TrafficGenerator(seed, attackFraction);
    }

    private static SyntheticSummary WriteRows(CsvWriter csv, TrafficGenerator generator, long rows, long seed,
        double attackFraction, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        csv.WriteHeader(TrafficSchema.Columns.ToArray());
        var row = new long[TrafficSchema.Columns.Count];
        for (long i = 0; i < rows; i++)
        {
            generator.Next(row);
            foreach (long v in row) csv.WriteField(v, default);
            csv.EndRecord();
            if ((i + 1) % 100_000 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(i + 1);
            }
        }
        csv.Flush();
        if (rows % 100_000 != 0) progress?.Report(rows);
        return new SyntheticSummary(generator.RowsWritten, generator.AttacksWritten, seed, attackFraction);
    }

    /// <summary>Writes to a file (creating its folder), atomically: a partial file never replaces a good one. The rows go to a
    /// temporary file of this call's own beside it (so two runs writing the same file do not share one), then replace the file.</summary>
    public static SyntheticSummary WriteFile(string path, long rows, long seed = DefaultSeed,
        double attackFraction = DefaultAttackFraction, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.{Guid.NewGuid():N}.tmp";
        bool created = false;
        try
        {
            SyntheticSummary summary;
            // CreateNew: never a file this call did not create.
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                created = true;
                summary = Write(stream, rows, seed, attackFraction, progress, cancellationToken);
            }
            File.Move(temp, full, overwrite: true);
            created = false;
            return summary;
        }
        finally
        {
            if (created) File.Delete(temp);
        }
    }
}
