namespace AntiNex.Learning;

/// <summary>Process-wide torch settings (thread count, the native heap's policy) applied once.</summary>
internal static class TorchSetup
{
    private static int _threads;
    public static void Apply(EngineOptions? options)
    {
        NativeHeap.Configure();
        if (options is { TorchThreads: > 0 } o && Interlocked.Exchange(ref _threads, o.TorchThreads) != o.TorchThreads)
            TorchSharp.torch.set_num_threads(o.TorchThreads);
    }
}
