using System.Runtime.CompilerServices;
using AntiNex.Learning;

namespace AntiNex.Tests;

/// <summary>Torch's thread count is process-wide and its default follows the machine's cores. Tests that compare two
/// computations bit for bit must not see it change between them (the first engine test sets one thread), so the test
/// process runs with one thread from the start, as the nodes do.</summary>
internal static class TorchThreads
{
#pragma warning disable CA2255 // a test assembly's one-time process setting is what module initializers are for
    [ModuleInitializer]
    internal static void One() => TorchSetup.Apply(new EngineOptions { TorchThreads = 1 });
#pragma warning restore CA2255
}
