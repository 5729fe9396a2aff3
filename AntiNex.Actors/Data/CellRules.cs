using System.Globalization;
using AntiNex.Requests;

namespace AntiNex.Data;

/// <summary>
/// How a numeric cell that holds no ordinary number is read: an empty cell as <see cref="MarkEmpty"/>; NaN, Infinity and
/// -Infinity refused, or, with <see cref="NonFiniteAsEmpty"/>, read as an empty cell. Flow exporters write Infinity for a
/// rate over a zero duration; one stateless rule reads a row the same way at training and at prediction.
/// </summary>
public sealed record CellRules(double MarkEmpty = -1, bool NonFiniteAsEmpty = false, bool EmptyRefused = false)
{
    public static readonly CellRules Default = new();

    /// <summary>The rules of one planned column: one that needs a value in every row refuses empty and non-finite cells
    /// (a regression target read as mark_empty would be trained on as if it were a real value).</summary>
    public CellRules For(ColumnPlan column) => column.NeedsValue ? this with { NonFiniteAsEmpty = false, EmptyRefused = true } : this;

    /// <summary>An empty cell (or a row too short to reach the column) as read: <see cref="MarkEmpty"/>, or refused naming
    /// the column and the row.</summary>
    public double Empty(string column, int row, string field, string source) => EmptyRefused
        ? throw new RequestException(field, $"{source} column '{column}' row {row}: empty, and this column needs a number in every row " +
            "(a regression target)")
        : MarkEmpty;

    /// <summary>The request's mark_empty and non_finite.</summary>
    public static CellRules Of(AntiNexRequest request) => new(request.MarkEmpty, request.NonFiniteAsEmpty);

    /// <summary>Said with every refusal of a non-finite cell.</summary>
    public const string NonFiniteHint = "\"non_finite\": \"empty\" reads NaN and Infinity as empty cells";

    /// <summary>An invariant-culture number, including the non-finite spellings of .NET (NaN, Infinity) and of numpy, pandas
    /// and R (inf, -inf, Inf).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out double value)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        var word = text.StartsWith("-") || text.StartsWith("+") ? text[1..] : text;
        value = !word.Equals("inf", StringComparison.OrdinalIgnoreCase) ? 0
            : text.StartsWith("-") ? double.NegativeInfinity : double.PositiveInfinity;
        return value != 0;
    }

    /// <summary>A parsed value as read: a finite one as it is; a non-finite one as an empty cell when allowed, else null.</summary>
    public double? Admit(double value) => double.IsFinite(value) ? value : NonFiniteAsEmpty ? MarkEmpty : null;
}
