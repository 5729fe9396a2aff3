using System.Globalization;

namespace AntiNex.Requests;

/// <summary>
/// What a model label may be. It names a cluster entity, Redis keys and plot files, and is printed in every listing:
/// 1..max characters of printable text. Refused: control characters (ANSI escapes included), Unicode format characters
/// (e.g. bidirectional overrides that make a label read as another), line and paragraph separators, and '[' ']'
/// (console markup). Labels stored before this rule still load and print (the console escapes what it prints).
/// </summary>
public static class LabelRule
{
    /// <summary>Null when the label is acceptable, else what is wrong with it.</summary>
    public static string? Check(string label, int maxLength)
    {
        if (label.Length > maxLength) return $"is {label.Length:N0} characters long, above the limit of {maxLength:N0}";
        for (int i = 0; i < label.Length; i++)
        {
            char c = label[i];
            if (c is '[' or ']') return $"character {i + 1} is '{c}': square brackets are not allowed in a label";
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned)
                return $"character {i + 1} is U+{(int)c:X4}, not printable: control and format characters are not allowed in a label";
        }
        return null;
    }
}
