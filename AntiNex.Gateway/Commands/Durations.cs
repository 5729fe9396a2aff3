using System.Globalization;

namespace AntiNex.Gateway.Commands;

/// <summary>Durations given on the command line: 30s, 10m, 1.5h, 250ms, 00:05:00, or plain seconds.</summary>
internal static class Durations
{
    public static TimeSpan Parse(string raw, string optionName)
    {
        raw = raw.Trim();
        if (raw.Contains(':') && TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var ts)) return ts;
        (string unit, double seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (unit, seconds) in units)
            if (raw.EndsWith(unit, StringComparison.Ordinal) && double.TryParse(raw[..^unit.Length], CultureInfo.InvariantCulture, out var n) && n > 0)
                return TimeSpan.FromSeconds(n * seconds);
        if (double.TryParse(raw, CultureInfo.InvariantCulture, out var plain) && plain > 0) return TimeSpan.FromSeconds(plain);
        throw new UsageException($"{optionName}: '{raw}' is not a duration (e.g. 30s, 10m, 00:05:00)");
    }
}
