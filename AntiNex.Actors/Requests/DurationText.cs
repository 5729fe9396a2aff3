using System.Globalization;

namespace AntiNex.Requests;

/// <summary>Durations as operators write them, in settings and on command lines: 30s, 10m, 1.5h, 250ms, 00:05:00, or plain
/// seconds.</summary>
public static class DurationText
{
    /// <summary>A setting's duration: <paramref name="fallback"/> when it is left out or blank.</summary>
    public static TimeSpan ParseOr(string? raw, string name, TimeSpan fallback)
        => string.IsNullOrWhiteSpace(raw) ? fallback : Parse(raw, name);

    /// <exception cref="ArgumentException">not a positive duration; the message starts with <paramref name="name"/>.</exception>
    public static TimeSpan Parse(string raw, string name)
    {
        raw = raw.Trim();
        if (raw.Contains(':') && TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var ts)) return ts;
        (string unit, double seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (unit, seconds) in units)
            if (raw.EndsWith(unit, StringComparison.Ordinal) && double.TryParse(raw[..^unit.Length], CultureInfo.InvariantCulture, out var n)
                && n > 0)
                return TimeSpan.FromSeconds(n * seconds);
        if (double.TryParse(raw, CultureInfo.InvariantCulture, out var plain) && plain > 0) return TimeSpan.FromSeconds(plain);
        throw new ArgumentException($"{name}: '{raw}' is not a duration (e.g. 30s, 10m, 00:05:00)");
    }
}
