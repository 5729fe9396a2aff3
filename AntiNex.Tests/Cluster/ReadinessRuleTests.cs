using AntiNex.Cluster;

namespace AntiNex.Tests.Cluster;

/// <summary>Readiness follows the split-brain resolver the node runs: under keep-oldest, the side of the oldest member is
/// ready, unless that member is alone there and more than one is on the other side (down-if-alone).</summary>
public sealed class ReadinessRuleTests
{
    [Theory]
    [InlineData(true, 2, 3, true)]   // {oldest, B} against {C, D, E}: the oldest's side runs on, though smaller
    [InlineData(false, 3, 2, false)] // the same split seen from {C, D, E}: not ready, the resolver downs this side
    [InlineData(true, 1, 2, false)]  // the oldest alone against two: it is downed instead
    [InlineData(false, 2, 1, true)]  // ...and the two are kept
    [InlineData(true, 1, 1, true)]   // two members apart: the oldest stays
    [InlineData(false, 1, 1, false)]
    public void Keep_oldest_keeps_the_oldest_members_side_unless_it_is_alone(bool oldestHere, int reachable, int unreachable, bool kept)
        => Assert.Equal(kept, FailureDetection.KeepOldestKeeps(oldestHere, reachable, unreachable));
}
