using System.Globalization;
using System.Text;
using Spectre.Console;

namespace AntiNex.Gateway.Commands;

/// <summary>
/// Text from the cluster or a request (labels, class names, messages, node names) as the console may print it. Labels
/// stored before the label rule may hold console markup ("web[1]") or terminal escapes; printed raw they broke every
/// listing ("malformed markup tag") or could rewrite the user's terminal. <see cref="Plain"/> shows control and format
/// characters as visible \uXXXX escapes; <see cref="Cell"/> also escapes markup, for table cells and titles (which
/// Spectre.Console parses as markup). Interpolated markup (MarkupLineInterpolated) escapes markup itself: give it
/// <see cref="Plain"/> text.
/// </summary>
internal static class ConsoleText
{
    public static string Plain(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        int i = 0;
        while (i < text.Length && !Unprintable(text[i])) i++;
        if (i == text.Length) return text; // the usual case: nothing to replace
        var sb = new StringBuilder(text.Length + 16).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (Unprintable(c)) sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    public static string Cell(string? text) => Markup.Escape(Plain(text));

    private static bool Unprintable(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
