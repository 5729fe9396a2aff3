using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>The node-wide cap on loaded models: least recently used first, never the model just touched.</summary>
public sealed class LoadedModelsTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public void Over_the_cap_the_least_recently_used_entity_is_asked_to_unload()
    {
        var loaded = new LoadedModels(2);
        IActorRef a = CreateTestProbe().Ref, b = CreateTestProbe().Ref, c = CreateTestProbe().Ref;
        Assert.Empty(loaded.Touch("a", a));
        Assert.Empty(loaded.Touch("b", b));
        Assert.Empty(loaded.Touch("a", a)); // a is now the most recent
        Assert.Equal([b], loaded.Touch("c", c));
        Assert.Equal(3, loaded.Count); // b stays listed until it stops: a second touch does not evict another one,
        Assert.Empty(loaded.Touch("c", c)); // nor ask b again (it is stopping, or busy training: asked again later)
        loaded.Release("b", b);
        Assert.Equal(2, loaded.Count);
        Assert.Empty(loaded.Touch("a", a));
    }

    [Fact]
    public void A_cold_model_joins_as_the_least_recently_used_and_is_itself_the_one_to_go_over_the_cap()
    {
        var loaded = new LoadedModels(2);
        IActorRef writerA = CreateTestProbe().Ref, writerB = CreateTestProbe().Ref, replica = CreateTestProbe().Ref;
        loaded.Touch("a", writerA);
        loaded.Touch("b", writerB);
        Assert.True(loaded.Full);
        // A replica just loaded, over the cap: it goes, not the writers in use.
        Assert.Equal([replica], loaded.Touch("replica:c", replica, cold: true));
        loaded.Release("replica:c", replica);
        loaded.Release("b", writerB);
        Assert.False(loaded.Full);
        Assert.Empty(loaded.Touch("replica:c", replica, cold: true));
        // The next model loaded pushes out the unused replica, though it was loaded after the writer.
        Assert.Equal([replica], loaded.Touch("d", CreateTestProbe().Ref));
    }

    [Fact]
    public void Release_by_a_stale_entity_keeps_the_new_incarnation_listed()
    {
        var loaded = new LoadedModels(1);
        IActorRef old = CreateTestProbe().Ref, fresh = CreateTestProbe().Ref;
        loaded.Touch("a", old);
        loaded.Touch("a", fresh);
        loaded.Release("a", old);
        Assert.Equal(1, loaded.Count);
        loaded.Release("a", fresh);
        Assert.Equal(0, loaded.Count);
    }

    [Fact]
    public void The_cap_must_be_positive()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new LoadedModels(0));
}
