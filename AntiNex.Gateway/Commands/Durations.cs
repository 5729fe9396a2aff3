using AntiNex.Requests;

namespace AntiNex.Gateway.Commands;

/// <summary>Durations given on the command line (see <see cref="DurationText"/>); a bad one is a usage error.</summary>
internal static class Durations
{
    /// <summary>A span of time looked back over or kept for (audit --since, a jobs' time to live), not a timer: up to ten years.</summary>
    public static readonly TimeSpan LongSpan = TimeSpan.FromDays(3650);

    public static TimeSpan Parse(string raw, string optionName, TimeSpan? max = null)
    {
        try { return DurationText.Parse(raw, optionName, max); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
