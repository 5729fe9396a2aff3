using AntiNex.Requests;

namespace AntiNex.Gateway.Commands;

/// <summary>Durations given on the command line (see <see cref="DurationText"/>); a bad one is a usage error.</summary>
internal static class Durations
{
    public static TimeSpan Parse(string raw, string optionName)
    {
        try { return DurationText.Parse(raw, optionName); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
