namespace AntiNex.Learning;

/// <summary>
/// With ANTINEX_MEMORY_TRACE=1, each step of a large training prints the process's resident set (now and its peak so far), the
/// managed heap and the memory the GC holds, to standard error: what a file costs at each step, apart from the runtime.
/// </summary>
internal static class MemoryTrace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("ANTINEX_MEMORY_TRACE") == "1";

    public static void Mark(string step)
    {
        if (!On) return;
        var gc = GC.GetGCMemoryInfo();
        long rss = 0, peak = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kib(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kib(line);
            }
        }
        catch (IOException) { rss = Environment.WorkingSet / 1024; }
        Console.Error.WriteLine($"memory {step}: rss {rss / 1024} MiB (peak {peak / 1024}), managed heap {GC.GetTotalMemory(false) >> 20} MiB, " +
            $"GC committed {gc.TotalCommittedBytes >> 20} MiB");
    }

    private static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
