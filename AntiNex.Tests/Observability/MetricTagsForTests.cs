using System.Runtime.CompilerServices;
using AntiNex.Observability;

namespace AntiNex.Tests.Observability;

/// <summary>A node tags the first 200 labels it serves; the test process serves thousands of uniquely named labels and
/// reads each one's figures, so it tags them all (the bound itself is tested on <see cref="BoundedTags"/>).</summary>
internal static class MetricTagsForTests
{
#pragma warning disable CA2255 // a test assembly's one-time process setting is what module initializers are for
    [ModuleInitializer]
    internal static void Unbounded() => AntiNexMetrics.LimitModelTags(int.MaxValue);
#pragma warning restore CA2255
}
