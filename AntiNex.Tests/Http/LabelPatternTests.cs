// A key's label pattern: globs over the model id, where '*' and '?' stand for any character, a line break included
// (a label stored before the label rule may hold one, and a pattern '*' means every label).
using AntiNex.Gateway.Http.Auth;

namespace AntiNex.Tests.Http;

public sealed class LabelPatternTests
{
    [Theory]
    [InlineData("*", "a\nb", true)]
    [InlineData("web-*", "web-a\nb", true)]
    [InlineData("web-?b", "web-\nb", true)]
    [InlineData("web-*", "db-a\nb", false)]
    [InlineData("web-*", "web-a", true)]
    public void Globs_match_any_character_a_line_break_included(string pattern, string modelId, bool allowed)
        => Assert.Equal(allowed, new LabelPattern(pattern).Allows(modelId));
}
