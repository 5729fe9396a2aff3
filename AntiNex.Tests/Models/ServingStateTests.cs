using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>The entity's serving value: recovered from a snapshot, advanced by events, switched by a stored snapshot.</summary>
public sealed class ServingStateTests
{
    private static readonly StoredModelSummary Summary = new("Blobs", "classification", "label", ["x0", "x1"], 2,
        DateTimeOffset.Parse("2026-12-01T13:00:00Z"), 95, 100);
    private static readonly StoredModelMetrics Metrics = new(95, null, null, null, null, null, null, null, null, null, 120, 40, 1.5);

    private static StoredModelSnapshot Snapshot(long version) => new("blobs", version, DateTimeOffset.UtcNow, Summary, Metrics, [1, 2, 3]);
    private static StoredModelTrained Trained(long version) => new(version, DateTimeOffset.UtcNow, Summary, Metrics);

    [Fact]
    public void An_event_past_the_snapshot_is_an_orphan_that_does_not_serve_but_moves_the_numbering()
    {
        var state = ServingState.From(Snapshot(1)).Apply(Trained(1));
        Assert.False(state.IsOrphan(Trained(1)));
        Assert.True(state.IsOrphan(Trained(2)));
        state = state.Apply(Trained(2));
        Assert.Equal(1, state.Version);
        Assert.Equal(3, state.NextVersion);
        Assert.True(state.HasModel);
    }

    [Fact]
    public void A_stored_snapshot_switches_the_served_version_in_one_value()
    {
        var empty = ServingState.Empty;
        Assert.False(empty.HasModel);
        Assert.Equal(1, empty.NextVersion);
        var served = empty.Apply(Trained(1)).Serve(Snapshot(1));
        Assert.Equal(1, served.Version);
        Assert.Equal("Blobs", served.Summary!.Label);
        Assert.Equal(2, served.NextVersion);
        Assert.Equal(0, empty.Version); // the previous value is untouched
    }
}
