using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// MSBuild inline task (see TorchSharpGlibcxxFix.targets). Kept dependency-free: it runs inside MSBuild.
public class AntiNexWeakenGlibcxxRequirement : Task
{
    [Required] public string[] Directories { get; set; } = Array.Empty<string>();
    [Required] public string VersionName { get; set; } = "";

    private static readonly string[] HostLibStdCxx =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib64/libstdc++.so.6",
    };

    public override bool Execute()
    {
        var host = HostLibStdCxx.FirstOrDefault(File.Exists);
        if (host == null) { Log.LogMessage(MessageImportance.Low, "No host libstdc++ found; nothing to fix."); return true; }
        if (Contains(File.ReadAllBytes(host), Encoding.ASCII.GetBytes(VersionName + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, host + " provides " + VersionName + "; TorchSharp loads as shipped.");
            return true;
        }
        foreach (var dir in Directories.Where(d => !string.IsNullOrWhiteSpace(d) && System.IO.Directory.Exists(d)).Distinct())
        {
            foreach (var lib in System.IO.Directory.EnumerateFiles(dir, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                try
                {
                    var bytes = File.ReadAllBytes(lib);
                    int changed = Weaken(bytes, VersionName);
                    if (changed > 0)
                    {
                        // Write to a new file and swap, so a hard link into the NuGet cache is never written through.
                        var tmp = lib + ".antinex-tmp";
                        File.WriteAllBytes(tmp, bytes);
                        File.Delete(lib);
                        File.Move(tmp, lib);
                        Log.LogMessage(MessageImportance.High, "AntiNex: marked " + VersionName + " weak in " + lib + " (host libstdc++ lacks it)");
                    }
                }
                catch (Exception ex)
                {
                    Log.LogWarning("AntiNex: could not patch " + lib + ": " + ex.Message);
                }
            }
        }
        return true;
    }

    private static bool Contains(byte[] hay, byte[] needle)
    {
        for (int i = 0; i <= hay.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    // Returns how many vernaux entries were changed (0 when already weak or absent). ELF64 little-endian only.
    public static int Weaken(byte[] elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only ELF64 little-endian is supported");
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        const uint SHT_GNU_verneed = 0x6ffffffe;
        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            uint type = BitConverter.ToUInt32(elf, (int)sh + 4);
            if (type != SHT_GNU_verneed) continue;
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            uint link = BitConverter.ToUInt32(elf, (int)sh + 0x28);
            long strSh = shoff + (long)link * shentsize;
            long strOff = BitConverter.ToInt64(elf, (int)strSh + 0x18);
            long vn = offset;
            while (true)
            {
                int cnt = BitConverter.ToUInt16(elf, (int)vn + 2);
                uint aux = BitConverter.ToUInt32(elf, (int)vn + 8);
                uint next = BitConverter.ToUInt32(elf, (int)vn + 12);
                long va = vn + aux;
                for (int a = 0; a < cnt; a++)
                {
                    uint name = BitConverter.ToUInt32(elf, (int)va + 8);
                    if (ReadCString(elf, strOff + name) == versionName)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)va + 4);
                        if ((flags & 0x2) == 0)
                        {
                            flags |= 0x2;
                            elf[va + 4] = (byte)(flags & 0xff);
                            elf[va + 5] = (byte)(flags >> 8);
                            changed++;
                        }
                    }
                    uint vnaNext = BitConverter.ToUInt32(elf, (int)va + 12);
                    if (vnaNext == 0) break;
                    va += vnaNext;
                }
                if (next == 0) break;
                vn += next;
            }
        }
        return changed;
    }

    private static string ReadCString(byte[] b, long at)
    {
        long end = at;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
    }
}
