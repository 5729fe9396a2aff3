using System.Diagnostics;
using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>The node's resumer wakes the labels with an unfinished training again and again, not only on a member event:
/// a wake that failed (the store down, the label's recovery refused) is tried again.</summary>
public sealed class TrainingResumerTests() : Akka.TestKit.Xunit2.TestKit("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
    """)
{
    [Fact]
    public async Task Labels_with_an_unfinished_training_are_woken_at_every_sweep()
    {
        var inFlight = new InMemoryLabelSet();
        await inFlight.AddAsync("web");
        await inFlight.AddAsync("kept"); // stays in the set: its wakes mark the sweeps
        var region = CreateTestProbe();
        Sys.ActorOf(TrainingResumer.Props(region.Ref, inFlight, TimeSpan.FromMilliseconds(300)));

        for (var i = 0; i < 3; i++)
            await region.FishForMessageAsync<ResumeTraining>(m => m.ModelId == "web", TimeSpan.FromSeconds(10));
        await inFlight.RemoveAsync("web"); // its training ended: nothing more to wake
        // A sweep that read the set before the removal may still be on its way, however late: "kept" woken twice in a
        // row means a whole sweep read the set after it (sweeps run one after the other).
        string? previous = null, id = null;
        while (!(previous == "kept" && id == "kept"))
        {
            previous = id;
            id = (await region.ExpectMsgAsync<ResumeTraining>(TimeSpan.FromSeconds(10))).ModelId;
        }
        var after = Stopwatch.StartNew();
        for (var left = TimeSpan.FromSeconds(1); left > TimeSpan.Zero; left = TimeSpan.FromSeconds(1) - after.Elapsed)
            Assert.False(await region.ReceiveOneAsync(left) is ResumeTraining { ModelId: "web" }, "a label whose training ended was woken");
    }
}
