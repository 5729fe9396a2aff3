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
        var region = CreateTestProbe();
        Sys.ActorOf(TrainingResumer.Props(region.Ref, inFlight, TimeSpan.FromMilliseconds(300)));

        for (var i = 0; i < 3; i++)
            Assert.Equal("web", (await region.ExpectMsgAsync<ResumeTraining>(TimeSpan.FromSeconds(10))).ModelId);
        await inFlight.RemoveAsync("web"); // its training ended: nothing more to wake
        await Task.Delay(500);
        region.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m); // a sweep read before the removal
        await region.ExpectNoMsgAsync(TimeSpan.FromSeconds(1));
    }
}
