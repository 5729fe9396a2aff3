using System.Globalization;
using System.Text.RegularExpressions;

namespace AntiNex.Requests;

/// <summary>Durations as operators write them, in settings and on command lines: 30s, 10m, 1.5h, 2d, 250ms, 00:05:00, plain
/// seconds, or units one after the other from the largest (1h30m, 2d12h).</summary>
public static partial class DurationText
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
        var value = Read(raw) ?? throw new ArgumentException($"{name}: '{raw}' is not a duration (e.g. 30s, 10m, 1h30m, 2d, 00:05:00)");
        if (value <= TimeSpan.Zero) throw new ArgumentException($"{name}: '{raw}' must be longer than zero");
        if (value > limit) throw new ArgumentException($"{name}: '{raw}' is longer than the {limit.TotalDays:0} days allowed");
        return value;
    }

    private static TimeSpan? Read(string raw)
    {
        if (raw.Contains(':')) return TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var ts) ? ts : null;
        foreach (var (unit, seconds) in Units)
            if (raw.EndsWith(unit, StringComparison.Ordinal) && double.TryParse(raw[..^unit.Length], CultureInfo.InvariantCulture, out var n))
                return Seconds(n * seconds);
        return double.TryParse(raw, CultureInfo.InvariantCulture, out var plain) ? Seconds(plain) : Parts(raw);
    }

    /// <summary>Units checked in this order on a one-unit duration: ms before m and s, which it ends like.</summary>
    private static readonly (string Unit, double Seconds)[] Units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    /// <summary>Largest unit first: a part's unit must come later here than the one before it (1h30m, not 30m1h or 1h1h).</summary>
    private static readonly string[] Order = ["d", "h", "m", "s", "ms"];

    [GeneratedRegex(@"\G(\d+(?:\.\d+)?)(ms|d|h|m|s)")]
    private static partial Regex Part();

    /// <summary>Several number-unit parts (1h30m, 2d12h, 1m30.5s); null unless the whole text is such parts in order.</summary>
    private static TimeSpan? Parts(string raw)
    {
        double total = 0;
        int at = 0, last = -1;
        for (var m = Part().Match(raw); m.Success && m.Index == at; m = m.NextMatch())
        {
            var unit = Array.IndexOf(Order, m.Groups[2].Value);
            if (unit <= last) return null;
            total += double.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) * Units.First(u => u.Unit == Order[unit]).Seconds;
            (at, last) = (m.Index + m.Length, unit);
        }
        return at == raw.Length && last >= 0 ? Seconds(total) : null;
    }

    /// <summary>Seconds as a duration, clamped to what a TimeSpan holds (the checks then refuse it); NaN is no duration.</summary>
    private static TimeSpan? Seconds(double s) => double.IsNaN(s) ? null
        : TimeSpan.FromSeconds(Math.Clamp(s, -9e11, 9e11)); // about 28,500 years either way, inside a TimeSpan
}
