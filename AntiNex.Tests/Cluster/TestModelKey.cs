// The model signing key of the test clusters: nodes refuse to start with Redis and no key, so every node a test starts
// gets the same key file (one per work folder, 0600), as deploy/cluster.sh does for a run folder.
using System.Security.Cryptography;

namespace AntiNex.Tests.Cluster;

public static class TestModelKey
{
    private static readonly object Gate = new();

    /// <summary>Path of workDir/model.key, created with 48 random bytes (base64) on first use.</summary>
    public static string FileIn(string workDir)
    {
        var path = Path.Combine(workDir, "model.key");
        lock (Gate)
        {
            if (File.Exists(path)) return path;
            Directory.CreateDirectory(workDir);
            File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)) + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return path;
        }
    }
}
