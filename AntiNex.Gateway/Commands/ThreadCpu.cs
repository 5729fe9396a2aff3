using System.Runtime.InteropServices;

namespace AntiNex.Gateway.Commands;

/// <summary>CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID): benchmarks compare two code paths by it
/// when other processes share the cores, since wall-clock time then mostly measures their load.</summary>
internal static class ThreadCpu
{
    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Seconds of CPU this thread has used; falls back to the process's CPU time off Linux.</summary>
    public static double Seconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var t) == 0) return t.Seconds + t.Nanoseconds * 1e-9;
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}
