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

    /// <summary>The non_finite value these rules stand for: "empty" or "error".</summary>
    public string NonFinite => NonFiniteName(NonFiniteAsEmpty);

    public static string NonFiniteName(bool asEmpty) => asEmpty ? "empty" : "error";

    /// <summary>The rules a predict against a trained model reads its rows with: the request's mark_empty and non_finite
    /// where the request gives them (the AntiNex format lets each request carry them), else the model's, so that a row
    /// reads as the training rows did. A given value that differs from the model's adds a warning naming both.</summary>
    public static CellRules Serving(CellRules trained, double? markEmpty, bool? nonFiniteAsEmpty, ICollection<string> warnings)
    {
        var rules = trained with
        {
            MarkEmpty = markEmpty ?? trained.MarkEmpty,
            NonFiniteAsEmpty = nonFiniteAsEmpty ?? trained.NonFiniteAsEmpty,
        };
        // -0 and 0 read the same number into the model; only a different value is worth a warning.
        if (rules.MarkEmpty != trained.MarkEmpty)
            warnings.Add(Differs("mark_empty", Number(rules.MarkEmpty), Number(trained.MarkEmpty)));
        if (rules.NonFiniteAsEmpty != trained.NonFiniteAsEmpty)
            warnings.Add(Differs("non_finite", $"\"{rules.NonFinite}\"", $"\"{trained.NonFinite}\""));
        return rules;
    }

    /// <summary><see cref="Serving(CellRules, double?, bool?, ICollection{string})"/> with the fields the request wrote.</summary>
    public static CellRules Serving(AntiNexRequest request, CellRules trained, ICollection<string> warnings) => Serving(trained,
        request.MarkEmptyGiven ? request.MarkEmpty : null, request.NonFiniteGiven ? request.NonFiniteAsEmpty : null, warnings);

    private static string Differs(string field, string given, string trained) =>
        $"{field}: the request's {given} is used, but the model was trained with {field} {trained}: its rows are not read as the " +
        $"training rows were (leave {field} out to use the model's)";

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

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
