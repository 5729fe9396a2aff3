namespace AntiNex.Tests.Infrastructure;

/// <summary>A temporary folder that lives as long as the test run (shared keys and certificates): readable by its owner
/// only, and removed when the test process exits, so a run leaves no key material behind in the temp folder.</summary>
public static class RunTempDirectory
{
    public static string Create(string prefix)
    {
        var path = Directory.CreateTempSubdirectory(prefix).FullName; // mode 0700 on Unix
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return path;
    }
}
