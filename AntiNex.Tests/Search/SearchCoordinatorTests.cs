using System.Threading.Channels;
using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Tests.Search;

/// <summary>The search's coordinator does not wait for its timeout when nothing can answer: a trial whose message was
/// lost is sent again, and trials with no model node to run them fail with a reason.</summary>
public sealed class SearchCoordinatorTests() : Akka.TestKit.Xunit2.TestKit("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
    """)
{
    private static readonly SearchTrial[] Trials = [new(1, "a", "{}"), new(2, "b", "{}")];

    [Fact]
    public async Task Trials_with_no_model_node_fail_as_no_model_node_after_the_grace()
    {
        var channel = Channel.CreateUnbounded<SearchEvent>();
        Sys.ActorOf(SearchCoordinator.Props("s1", Trials, channel.Writer, TimeSpan.FromSeconds(2)));
        var completed = await Until<SearchCompleted>(channel, TimeSpan.FromSeconds(30));
        Assert.Equal([1, 2], completed.Results.Select(r => r.Trial));
        Assert.All(completed.Results, r => Assert.StartsWith("no-model-node", r.Error));
    }

    [Fact]
    public async Task A_trial_whose_message_was_lost_is_sent_again_and_scored()
    {
        // A model node of its own (its runner is remote to the coordinator, as on a real cluster).
        var seed = Akka.Cluster.Cluster.Get(Sys).SelfAddress;
        Akka.Cluster.Cluster.Get(Sys).Join(seed);
        using var node = ActorSystem.Create(Sys.Name, Akka.Configuration.ConfigurationFactory.ParseString("""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
            akka.cluster.roles = [model]
            """));
        node.ActorOf(Props.Create(() => new LossyRunner()), TrialRunner.Name);
        Akka.Cluster.Cluster.Get(node).Join(seed);
        try
        {
            var channel = Channel.CreateUnbounded<SearchEvent>();
            Sys.ActorOf(SearchCoordinator.Props("s2", Trials, channel.Writer));
            var completed = await Until<SearchCompleted>(channel, TimeSpan.FromSeconds(60));
            Assert.All(completed.Results, r => Assert.True(r.Scored, r.Error));
        }
        finally { await node.Terminate(); }
    }

    private static async Task<T> Until<T>(Channel<SearchEvent> channel, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        await foreach (var e in channel.Reader.ReadAllAsync(cts.Token))
            if (e is T found) return found;
        throw new InvalidOperationException($"the search ended without {typeof(T).Name}");
    }

    /// <summary>A trial runner that drops the first message of each trial, as a lost remote message, and scores the next.</summary>
    private sealed class LossyRunner : ReceiveActor
    {
        public LossyRunner()
        {
            var seen = new HashSet<int>();
            Receive<TrialRunnerQuery>(_ => Sender.Tell(new TrialRunnerInfo("lossy", 2)));
            Receive<RunTrial>(t =>
            {
                if (seen.Add(t.Trial)) return;
                t.Coordinator.Tell(new TrialStarted(t.SearchId, t.Trial, "lossy"));
                t.Coordinator.Tell(new TrialScored(t.SearchId, t.Trial, "lossy", [], 90, 1, 0.1, []));
            });
        }
    }
}
