using System.Globalization;

namespace AntiNex.Requests;

/// <summary>Durations as operators write them, in settings and on command lines: 30s, 10m, 1.5h, 250ms, 00:05:00, or plain
/// seconds.</summary>
public static class DurationText
{
    /// <summary>A setting's duration: <paramref name="fallback"/> when it is left out or blank.</summary>
    public static TimeSpan ParseOr(string? raw, string name, TimeSpan fallback)
        => string.IsNullOrWhiteSpace(raw) ? fallback : Parse(raw, name);

    /// <summary>The longest duration accepted: timers and cancellation sources refuse delays beyond int.MaxValue milliseconds
    /// (about 24.8 days), and a longer one is a typo rather than a plan.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(24);

    /// <exception cref="ArgumentException">not a positive duration of at most <paramref name="max"/> (default <see cref="Max"/>);
    /// the message starts with <paramref name="name"/>.</exception>
    public static TimeSpan Parse(string raw, string name, TimeSpan? max = null)
    {
        var limit = max ?? Max;
        raw = raw.Trim();
        var value = Read(raw) ?? throw new ArgumentException($"{name}: '{raw}' is not a duration (e.g. 30s, 10m, 00:05:00)");
        if (value <= TimeSpan.Zero) throw new ArgumentException($"{name}: '{raw}' must be longer than zero");
        if (value > limit) throw new ArgumentException($"{name}: '{raw}' is longer than the {limit.TotalDays:0} days allowed");
        return value;
    }

    private static TimeSpan? Read(string raw)
    {
        if (raw.Contains(':')) return TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var ts) ? ts : null;
        (string unit, double seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (unit, seconds) in units)
            if (raw.EndsWith(unit, StringComparison.Ordinal) && double.TryParse(raw[..^unit.Length], CultureInfo.InvariantCulture, out var n))
                return Seconds(n * seconds);
        return double.TryParse(raw, CultureInfo.InvariantCulture, out var plain) ? Seconds(plain) : null;
    }

    /// <summary>Seconds as a duration, clamped to what a TimeSpan holds (the checks then refuse it); NaN is no duration.</summary>
    private static TimeSpan? Seconds(double s) => double.IsNaN(s) ? null
        : TimeSpan.FromSeconds(Math.Clamp(s, -9e11, 9e11)); // about 28,500 years either way, inside a TimeSpan
}
