using System.Text.RegularExpressions;

namespace AntiNex.Gateway.Http.Auth;

/// <summary>The labels a key may touch: comma-separated globs ('*' any run, '?' one character), matched against the
/// model id (label trimmed and lower-cased), so 'Web-*' and 'web-*' mean the same.</summary>
public sealed class LabelPattern
{
    private readonly Regex[] _globs;

    public LabelPattern(string text)
    {
        Text = string.IsNullOrWhiteSpace(text) ? "*" : text.Trim();
        var globs = Text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        AllowsEvery = globs.Any(g => g.All(c => c == '*'));
        _globs = globs
            // Linear in the label whatever the glob: a backtracking match of "*a*a*a*b" over a label of thousands of
            // characters (a path's, or a body's) would run into the timeout and answer a 500.
            .Select(g => new Regex("^" + Regex.Escape(g.ToLowerInvariant()).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
                // Singleline: '*' and '?' match any character, a line break included (labels stored before the label rule).
                RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.Singleline, TimeSpan.FromMilliseconds(100)))
            .ToArray();
    }

    public string Text { get; }

    public bool Allows(string modelId) => _globs.Any(g => g.IsMatch(modelId));

    /// <summary>One of the globs is a lone '*' (or a run of them): the key may touch any label, present or future.</summary>
    public bool AllowsEvery { get; }
}
