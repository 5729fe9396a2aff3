using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Architecture;

/// <summary>No line of C# source in the repository is longer than 150 characters.</summary>
public sealed class LineLengthTests
{
    private const int MaxLength = 150;

    [Fact]
    public void No_cs_line_is_longer_than_150_characters()
    {
        var tooLong = Directory.EnumerateFiles(Repo.Root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(Ignored))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, line.Length)))
            .Where(l => l.Length > MaxLength)
            .Select(l => $"{Path.GetRelativePath(Repo.Root, l.File)}:{l.Line} ({l.Length} characters)")
            .ToList();
        Assert.True(tooLong.Count == 0, $"{tooLong.Count} lines over {MaxLength} characters:\n" + string.Join("\n", tooLong.Take(50)));
    }

    /// <summary>Build output, git data and manual run folders are not source.</summary>
    private static bool Ignored(string folder) => folder is "bin" or "obj" or ".git" || folder.StartsWith(".run", StringComparison.Ordinal);
}
