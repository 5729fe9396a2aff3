using AntiNex.Models;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// The `models` table of a long list as aligned plain columns, written in one buffered pass. Spectre's table measures
/// and lays out every cell, which takes seconds for thousands of labels; a short list keeps the boxed table.
/// </summary>
internal static class PlainModelTable
{
    /// <summary>Lists longer than this are written plain.</summary>
    public const int Above = 500;

    private static readonly string[] Header = ["label", "version", "type", "test accuracy / r2", "node", "loaded", "state"];

    public static void Write(TextWriter writer, IReadOnlyList<ModelDescription> models, Func<ModelMetrics?, string> score)
    {
        var rows = models.OrderBy(d => d.Label, StringComparer.Ordinal)
            .Select(d => new[]
            {
                ConsoleText.Plain(d.Label), d.Version.ToString(), ConsoleText.Plain(d.Summary?.MlType), score(d.Metrics),
                ConsoleText.Plain(d.Node), d.Loaded ? "yes" : "no", ConsoleText.Plain(d.State),
            }).ToList();
        var widths = Header.Select((h, c) => rows.Aggregate(h.Length, (w, r) => Math.Max(w, r[c].Length))).ToArray();
        writer.WriteLine($"{models.Count} models");
        Line(writer, Header, widths);
        writer.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows) Line(writer, row, widths);
        writer.Flush();
    }

    private static void Line(TextWriter writer, string[] cells, int[] widths)
    {
        for (var c = 0; c < cells.Length; c++)
        {
            if (c > 0) writer.Write("  ");
            writer.Write(c == cells.Length - 1 ? cells[c] : cells[c].PadRight(widths[c]));
        }
        writer.WriteLine();
    }
}
