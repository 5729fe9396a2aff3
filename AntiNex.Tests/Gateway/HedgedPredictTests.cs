using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Tests.Gateway;

/// <summary>The hedged predict against a writer that keeps failing: a failure the writer will give again (its store is
/// down, the label is being forgotten) is asked again once per hedge delay, not in a loop, and the caller hears it at
/// the deadline; an answer that cannot change (the caller may not train, the stored model is refused) ends at once.</summary>
public sealed class HedgedPredictTests : Akka.TestKit.Xunit2.TestKit
{
    [Theory]
    [InlineData("persistence", false)]
    [InlineData("busy", false)]
    [InlineData("forbidden", true)]
    [InlineData("integrity", true)]
    public async Task A_failing_writer_is_asked_again_once_per_hedge_delay_and_a_final_answer_ends_at_once(string code, bool final)
    {
        var writer = Sys.ActorOf(Props.Create(() => new FailingWriter(code)));
        var options = new HedgeOptions { HedgePercentile = 0 }; // the fixed 150 ms delay
        var hedged = new HedgedPredict(writer, new CopyTable(), options);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var reply = await hedged.SendAsync(new PredictRawRows("m", 1, [1f]), TimeSpan.FromSeconds(1.5));
        var asked = await writer.Ask<int>("asked", TimeSpan.FromSeconds(5));

        Assert.Equal(code, Assert.IsType<ModelFailed>(reply).Code);
        if (final)
        {
            Assert.Equal(1, asked);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(1), $"{started.Elapsed}");
        }
        else Assert.InRange(asked, 2, 15); // about one per 150 ms over 1.5 s, not one per round trip
    }

    [Fact]
    public async Task A_writer_back_on_an_older_version_is_answered_and_the_newest_version_follows_it_down()
    {
        // The gateway saw version 2; the writer's version-2 snapshot was refused and it serves version 1 again.
        var writer = Sys.ActorOf(Props.Create(() => new VersionWriter(1)));
        var table = new CopyTable();
        table.Observe("m", 2);
        var hedged = new HedgedPredict(writer, table, new HedgeOptions { HedgePercentile = 0 });
        var reply = await hedged.SendAsync(new PredictRawRows("m", 1, [1f]), TimeSpan.FromSeconds(3));
        Assert.Equal(1, Assert.IsType<RowsPredicted>(reply).Version);
        Assert.Equal(1, table.Newest("m"));
    }

    [Fact]
    public async Task A_replica_still_on_an_older_version_cannot_refuse_a_request_the_writer_answers()
    {
        // The writer serves version 2 (three features) and answers after the hedge delay; the replica, still on version 1
        // (two features), refuses the rows at once. The caller gets the writer's answer, not the stale refusal.
        var writer = Sys.ActorOf(Props.Create(() => new SlowWriter(TimeSpan.FromMilliseconds(400))));
        var replica = Sys.ActorOf(Props.Create(() => new RefusingReplica()));
        var table = new CopyTable();
        table.Rebuild([new AntiNex.Replicas.CopiesHeld("akka.tcp://antinex@h:2", "h:2", replica, [], new Dictionary<string, long> { ["m"] = 1 })]);
        var hedged = new HedgedPredict(writer, table, new HedgeOptions { HedgePercentile = 0 });
        var reply = await hedged.SendAsync(new PredictRawRows("m", 3, [1f, 2f, 3f]), TimeSpan.FromSeconds(5));
        Assert.Equal(2, Assert.IsType<RowsPredicted>(reply).Version);
        Assert.True(await replica.Ask<bool>("asked", TimeSpan.FromSeconds(5)), "the replica was never asked: the test proves nothing");
    }

    private sealed class SlowWriter : ReceiveActor
    {
        public SlowWriter(TimeSpan after) => ReceiveAsync<PredictRawRows>(async m =>
        {
            var sender = Sender;
            await Task.Delay(after);
            sender.Tell(new RowsPredicted(m.ModelId, 2, [0.5f], "writer-node"));
        });
    }

    private sealed class RefusingReplica : ReceiveActor
    {
        private bool _asked;

        public RefusingReplica()
        {
            Receive<string>(_ => Sender.Tell(_asked));
            Receive<PredictRawRows>(m =>
            {
                _asked = true;
                Sender.Tell(ModelFailed.Of(m.ModelId, "bad-request", "expected 2 features, got 3"));
            });
        }
    }

    private sealed class VersionWriter : ReceiveActor
    {
        public VersionWriter(long version)
            => Receive<PredictRawRows>(m => Sender.Tell(new RowsPredicted(m.ModelId, version, [0.5f], "writer-node")));
    }

    private sealed class FailingWriter : ReceiveActor
    {
        private int _asked;

        public FailingWriter(string code)
        {
            Receive<string>(_ => Sender.Tell(_asked));
            Receive<PredictRawRows>(m =>
            {
                _asked++;
                Sender.Tell(ModelFailed.Of(m.ModelId, code, $"{code} (by design of the test)"));
            });
        }
    }
}
