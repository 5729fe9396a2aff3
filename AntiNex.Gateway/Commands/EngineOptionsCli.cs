using System.CommandLine;
using AntiNex.Data;

namespace AntiNex.Gateway.Commands;

/// <summary>Options shared by the in-process engine commands (validate, train --local, bench engine).</summary>
internal static class EngineCli
{
    public static Option<FileInfo> RequestFile() => new("--file", "-f")
    {
        Description = "AntiNex request JSON file (the original's format, unchanged)",
        Required = true,
    };

    public static Option<string[]> DataRoots() => new("--data-root", "-d")
    {
        Description = "Folder datasets may be read from (repeatable). Default: $ANTINEX_DATA_ROOTS (':'-separated).",
        AllowMultipleArgumentsPerToken = false,
    };

    public static DataRoots ResolveRoots(string[]? given)
    {
        var roots = given is { Length: > 0 }
            ? given
            : (Environment.GetEnvironmentVariable("ANTINEX_DATA_ROOTS") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return new DataRoots(roots);
    }
}
