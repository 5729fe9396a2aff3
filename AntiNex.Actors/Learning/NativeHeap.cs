using System.Runtime.InteropServices;

namespace AntiNex.Learning;

/// <summary>
/// Keeps glibc from holding freed tensor memory. By default glibc raises its mmap threshold each time a large block is
/// freed, so after the first batches every later tensor up to 32 MiB comes from the heap, which fragments and is never
/// given back: a 1 M-row training's resident set grew by ~240 MiB in its first epoch (measured). Fixing the threshold at
/// glibc's own starting value, 128 KiB, keeps larger blocks (activations, evaluation and prediction chunks, index tensors)
/// in their own mappings, returned on free: that epoch then grows by ~40 MiB. A fixed 1 MiB threshold was not enough.
/// </summary>
internal static class NativeHeap
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD (malloc.h)
    private const int ThresholdBytes = 128 << 10;
    private static int _done;

    public static void Configure()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1 || !OperatingSystem.IsLinux()) return;
        try { mallopt(MmapThreshold, ThresholdBytes); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { } // not glibc (musl): its own policy
    }

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
