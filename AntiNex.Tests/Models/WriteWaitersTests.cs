using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>The commands an entity holds when a write fails: each noted once, by identity (two callers' equal commands
/// are two commands), forgotten once handled, handed back in the order held.</summary>
public sealed class WriteWaitersTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public void Held_commands_go_back_once_each_in_the_order_held_and_handled_ones_do_not()
    {
        var waiters = new WriteWaiters();
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        var shard = CreateTestProbe();
        var a = new DescribeModel("m");
        var b = new DescribeModel("m"); // equal to a, another caller's
        var c = new DescribeModel("m");
        waiters.Held(a, first.Ref);
        waiters.Held(b, second.Ref);
        waiters.Held(a, first.Ref); // back from a stash: still one entry
        waiters.Held(c, first.Ref);
        waiters.Held(new StopEntity(), first.Ref); // the entity's own machinery: not a caller's
        waiters.Handled(c);
        waiters.ReturnAll(shard.Ref);

        Assert.Same(a, shard.ExpectMsg<DescribeModel>());
        Assert.Equal(first.Ref, shard.LastSender);
        Assert.Same(b, shard.ExpectMsg<DescribeModel>());
        Assert.Equal(second.Ref, shard.LastSender);
        shard.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        waiters.ReturnAll(shard.Ref); // emptied by the first hand-back
        shard.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_large_backlog_handled_oldest_first_leaves_only_the_unhandled_tail()
    {
        var waiters = new WriteWaiters();
        var shard = CreateTestProbe();
        var commands = Enumerable.Range(0, 20_000).Select(i => new PredictRawRows("m", 1, [i])).ToList();
        foreach (var command in commands) waiters.Held(command, TestActor);
        foreach (var command in commands.Take(19_997)) waiters.Handled(command);
        waiters.ReturnAll(shard.Ref);
        foreach (var expected in commands.Skip(19_997)) Assert.Same(expected, shard.ExpectMsg<PredictRawRows>());
        shard.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
