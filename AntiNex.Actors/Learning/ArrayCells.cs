using AntiNex.Requests;

namespace AntiNex.Learning;

/// <summary>rows x width values as one array's length. The int product of two sizes wraps around past 2^31 and then
/// failed as an unrelated overflow or index error; past what one array holds the request is refused, naming the sizes.</summary>
internal static class ArrayCells
{
    /// <param name="field">the request field the refusal names.</param>
    /// <param name="what">what a row's values are ("inputs", "class outputs").</param>
    public static int Of(long rows, int width, string field, string what)
    {
        long cells = rows * width;
        return cells <= Array.MaxLength ? (int)cells
            : throw new RequestException(field, $"{rows:N0} rows x {width:N0} {what} is {cells:N0} values, more than one array holds " +
                $"({Array.MaxLength:N0}); use fewer rows or features");
    }
}
