using static TorchSharp.torch;

namespace AntiNex.Learning;

/// <summary>
/// Reused native memory for the block forward passes of <see cref="TrainedModel.PredictRows"/>. Every tensor larger than
/// glibc's mmap threshold (fixed at 128 KiB, see <see cref="NativeHeap"/>) is a fresh mapping whose pages are faulted in and
/// zeroed by the kernel, then unmapped: for a 10,000-row block that cost two thirds of the CPU of the matrix products. A pass
/// instead rents one float tensor here and carves the scaled inputs and every layer's activations out of it.
/// Shared by all models of the process (each pass holds its own for its duration, so concurrent passes never share one);
/// at most <see cref="MaxIdle"/> idle ones are kept, each at most <see cref="MaxFloats"/> floats: a bounded, constant
/// amount of memory however many models are loaded.
/// </summary>
internal static class BlockScratch
{
    /// <summary>Floats a scratch holds at most (16 MiB): a block needing more per pass goes through in several passes.</summary>
    internal static long MaxFloats { get; set; } = 4L << 20;

    /// <summary>Idle scratches kept for the next passes (one per core: passes run one per thread).</summary>
    internal static int MaxIdle { get; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Segments start on 64-byte boundaries: the kernels see the alignment a fresh tensor of their own has.</summary>
    private const long AlignFloats = 16;

    private static readonly List<Tensor> Idle = [];

    /// <summary>Rows one pass may take when a row needs <paramref name="floatsPerRow"/> floats (at least one row).</summary>
    public static int RowsPerPass(long floatsPerRow) => (int)Math.Clamp(MaxFloats / Math.Max(1, floatsPerRow), 1, int.MaxValue);

    /// <summary>Floats of a pass over <paramref name="rows"/> rows with one segment per width, each segment aligned.</summary>
    public static long FloatsFor(int rows, IEnumerable<int> widths) => widths.Sum(w => Align((long)rows * w));

    public static long Align(long floats) => (floats + AlignFloats - 1) / AlignFloats * AlignFloats;

    /// <summary>A 1-D float tensor of at least <paramref name="floats"/> values (contents undefined), outside any dispose
    /// scope: give it back with <see cref="Return"/>.</summary>
    public static Tensor Rent(long floats)
    {
        lock (Idle)
        {
            // The smallest idle one that fits, so a big scratch stays free for a big pass.
            int best = -1;
            for (int i = 0; i < Idle.Count; i++)
                if (Idle[i].numel() >= floats && (best < 0 || Idle[i].numel() < Idle[best].numel())) best = i;
            if (best >= 0)
            {
                var found = Idle[best];
                Idle.RemoveAt(best);
                return found;
            }
        }
        // Rounded up to 1 MiB so blocks of slightly different sizes reuse the same scratch.
        var size = (floats + (1L << 18) - 1) >> 18 << 18;
        return empty(size, dtype: ScalarType.Float32).DetachFromDisposeScope();
    }

    public static void Return(Tensor scratch)
    {
        Tensor? drop = scratch;
        lock (Idle)
        {
            if (scratch.numel() <= Align(MaxFloats) + (1L << 18))
            {
                if (Idle.Count < MaxIdle) { Idle.Add(scratch); drop = null; }
                else
                {
                    // Full: the returned one replaces the smallest idle one when it is larger (big passes keep their memory).
                    int smallest = 0;
                    for (int i = 1; i < Idle.Count; i++) if (Idle[i].numel() < Idle[smallest].numel()) smallest = i;
                    if (Idle[smallest].numel() < scratch.numel()) { drop = Idle[smallest]; Idle[smallest] = scratch; }
                }
            }
        }
        drop?.Dispose();
    }

    /// <summary>Idle scratches right now (tests).</summary>
    internal static int IdleCount
    {
        get { lock (Idle) return Idle.Count; }
    }
}
