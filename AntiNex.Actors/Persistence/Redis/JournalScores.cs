namespace AntiNex.Persistence.Redis;

/// <summary>
/// An event's score is its sequence number: a whole, finite number, strictly above the one before it. Anything else was
/// not written by the journal (a copy beside an event, a record at 2.5 or at +inf) and is refused where it is read.
/// </summary>
internal static class JournalScores
{
    /// <summary>2^53 - 1: above it a double no longer holds every whole number, so no sequence number is stored there.</summary>
    private const double MaxExact = 9007199254740991d;

    /// <summary>Null when <paramref name="score"/> may follow <paramref name="previous"/>; else why not.</summary>
    public static string? Refusal(double score, long previous)
    {
        if (!double.IsFinite(score) || score != Math.Floor(score) || score < 0 || score > MaxExact)
            return $"its score {score} is not a sequence number";
        if ((long)score <= previous) return $"a second event is stored at sequence number {(long)score}";
        return null;
    }

    /// <summary>A sequence number to name a refused record by.</summary>
    public static long Nearest(double score) =>
        double.IsNaN(score) || score < 0 ? 0 : score > MaxExact ? (long)MaxExact : (long)Math.Floor(score);
}
