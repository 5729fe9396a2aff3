namespace AntiNex.Tests.Infrastructure;

/// <summary>The repository the tests run from and the built programs in it.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AntiNex.Cluster.sln"))) return dir.FullName;
        throw new InvalidOperationException("AntiNex.Cluster.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Configuration
        => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    /// <summary>The built dll of a project (its own bin folder, with its own deps/runtimeconfig), else the copy next to the tests.</summary>
    public static string Dll(string project, string assembly)
    {
        var own = Path.Combine(Root, project, "bin", Configuration, "net10.0", assembly + ".dll");
        if (File.Exists(own)) return own;
        var copy = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        if (File.Exists(copy)) return copy;
        throw new FileNotFoundException($"{assembly}.dll not built (looked at {own} and {copy})");
    }
}
