using System.Diagnostics;
using AntiNex.Persistence.Signing;

namespace AntiNex.Tests.Integrity;

/// <summary>The node warns about a signing key file others may read only where its own user could make it owner-only:
/// a container secret (read-only, another user's) must be readable by the node's user, and the warning's advice would
/// lock the node out.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // file modes and chattr: the nodes run on Linux
public sealed class KeyFileModeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("antinex-key-mode-").FullName;

    public void Dispose()
    {
        foreach (var file in Directory.GetFiles(_dir)) Chattr("-i", file);
        Directory.Delete(_dir, recursive: true);
    }

    private string KeyFile(UnixFileMode mode)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".key");
        File.WriteAllText(path, "key");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void An_own_key_file_readable_by_group_or_others_is_flagged_and_an_owner_only_one_is_not()
    {
        Assert.True(SigningKey.IsNeedlesslyReadableByOthers(KeyFile(OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead)));
        Assert.True(SigningKey.IsNeedlesslyReadableByOthers(KeyFile(UnixFileMode.UserRead | UnixFileMode.GroupRead)));
        Assert.False(SigningKey.IsNeedlesslyReadableByOthers(KeyFile(OwnerOnly)));
    }

    [SkippableFact]
    public void A_key_file_this_process_cannot_chmod_is_not_flagged_and_keeps_its_mode()
    {
        // An immutable file refuses chmod even to root, as a read-only secret mount or another user's file does.
        const UnixFileMode mounted = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var path = KeyFile(mounted);
        Skip.IfNot(Chattr("+i", path), "chattr +i is not available here (needs root and ext4/xfs/btrfs)");
        Assert.False(SigningKey.IsNeedlesslyReadableByOthers(path));
        Assert.Equal(mounted, File.GetUnixFileMode(path));
    }

    private static bool Chattr(string flag, string path)
    {
        try
        {
            using var chattr = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
            chattr.WaitForExit();
            return chattr.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; } // no chattr
    }
}
