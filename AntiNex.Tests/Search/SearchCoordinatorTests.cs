using System.Threading.Channels;
using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Tests.Search;

/// <summary>The search's coordinator does not wait for its timeout when nothing can answer: a trial whose message or
/// answer was lost is sent again, and trials with no model node to run them fail with a reason; a node that is only
/// unreachable for a while keeps its trials (not run twice, not failed).</summary>
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

    [Fact]
    public async Task A_trial_whose_answer_was_lost_after_it_started_is_asked_again_and_scored()
    {
        using var node = await ModelNodeAsync(Props.Create(() => new ForgetfulRunner()));
        var channel = Channel.CreateUnbounded<SearchEvent>();
        Sys.ActorOf(SearchCoordinator.Props("s3", Trials, channel.Writer));
        var completed = await Until<SearchCompleted>(channel, TimeSpan.FromSeconds(60));
        Assert.All(completed.Results, r => Assert.True(r.Scored, r.Error));
    }

    [Fact]
    public async Task A_node_unreachable_for_a_while_keeps_its_trial_and_its_score_counts()
    {
        var runs = new RunCount();
        using var node = await ModelNodeAsync(Props.Create(() => new HoldingRunner(runs)));
        var member = Akka.Cluster.Cluster.Get(Sys).State.Members.Single(m => m.HasRole("model"));
        var channel = Channel.CreateUnbounded<SearchEvent>();
        var coordinator = Sys.ActorOf(SearchCoordinator.Props("s4", [Trials[0]], channel.Writer));
        await Until<TrialRunning>(channel, TimeSpan.FromSeconds(30));
        // Four pauses of a loaded node: more than the attempts a lost node's trial gets.
        for (int i = 0; i < SearchCoordinator.MaxAttempts + 1; i++)
        {
            coordinator.Tell(new Akka.Cluster.ClusterEvent.UnreachableMember(member));
            coordinator.Tell(new Akka.Cluster.ClusterEvent.ReachableMember(member));
            await Task.Delay(TimeSpan.FromSeconds(1)); // time enough to find its runner again, were it dropped
        }
        node.ActorSelection("/user/" + TrialRunner.Name).Tell(HoldingRunner.Release.Instance);
        var completed = await Until<SearchCompleted>(channel, TimeSpan.FromSeconds(30));
        var result = Assert.Single(completed.Results);
        Assert.True(result.Scored, result.Error);
        Assert.Equal("holder", result.Node);
        Assert.Equal(1, runs.Started);
    }

    [Fact]
    public async Task A_node_unreachable_when_the_search_starts_gets_no_trial_until_it_is_reachable()
    {
        using var node = await ModelNodeAsync(Props.Create(() => new HoldingRunner(new RunCount())));
        var member = Akka.Cluster.Cluster.Get(Sys).State.Members.Single(m => m.HasRole("model"));
        var channel = Channel.CreateUnbounded<SearchEvent>();
        var coordinator = Sys.ActorOf(SearchCoordinator.Props("s5", [Trials[0]], channel.Writer));
        coordinator.Tell(new Akka.Cluster.ClusterEvent.UnreachableMember(member)); // before or after its runner answers
        using (var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await foreach (var e in channel.Reader.ReadAllAsync(quiet.Token))
                    Assert.False(e is TrialDispatched, $"a trial went to an unreachable node: {e}");
            }
            catch (OperationCanceledException) { }
        }
        coordinator.Tell(new Akka.Cluster.ClusterEvent.ReachableMember(member));
        await Until<TrialRunning>(channel, TimeSpan.FromSeconds(30));
        node.ActorSelection("/user/" + TrialRunner.Name).Tell(HoldingRunner.Release.Instance);
        var result = Assert.Single((await Until<SearchCompleted>(channel, TimeSpan.FromSeconds(30))).Results);
        Assert.True(result.Scored, result.Error);
    }

    /// <summary>A cluster member of its own with a model role and the given runner (remote to the coordinator, as on a real cluster).</summary>
    private async Task<ActorSystem> ModelNodeAsync(Props runner)
    {
        var seed = Akka.Cluster.Cluster.Get(Sys).SelfAddress;
        Akka.Cluster.Cluster.Get(Sys).Join(seed);
        var node = ActorSystem.Create(Sys.Name, Akka.Configuration.ConfigurationFactory.ParseString("""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
            akka.cluster.roles = [model]
            """));
        node.ActorOf(runner, TrialRunner.Name);
        Akka.Cluster.Cluster.Get(node).Join(seed);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Akka.Cluster.Cluster.Get(Sys).State.Members.Any(m => m.HasRole("model") && m.Status == Akka.Cluster.MemberStatus.Up))
        {
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException("the model node never came up");
            await Task.Delay(100);
        }
        return node;
    }

    private static async Task<T> Until<T>(Channel<SearchEvent> channel, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        await foreach (var e in channel.Reader.ReadAllAsync(cts.Token))
            if (e is T found) return found;
        throw new InvalidOperationException($"the search ended without {typeof(T).Name}");
    }

    /// <summary>Starts a trial and loses its answer (as a dropped remote message); answers it when asked again.</summary>
    private sealed class ForgetfulRunner : ReceiveActor
    {
        public ForgetfulRunner()
        {
            var started = new HashSet<int>();
            Receive<TrialRunnerQuery>(_ => Sender.Tell(new TrialRunnerInfo("forgetful", 2)));
            Receive<RunTrial>(t =>
            {
                if (started.Add(t.Trial)) t.Coordinator.Tell(new TrialStarted(t.SearchId, t.Trial, "forgetful"));
                else t.Coordinator.Tell(new TrialScored(t.SearchId, t.Trial, "forgetful", [], 90, 1, 0.1, []));
            });
        }
    }

    private sealed class RunCount
    {
        public int Started;
    }

    /// <summary>Runs each trial once (a trial sent again while it runs is only said to be running) and scores on Release.</summary>
    private sealed class HoldingRunner : ReceiveActor
    {
        public sealed record Release
        {
            public static readonly Release Instance = new();
        }

        public HoldingRunner(RunCount runs)
        {
            var held = new Dictionary<int, RunTrial>();
            Receive<TrialRunnerQuery>(_ => Sender.Tell(new TrialRunnerInfo("holder", 1)));
            Receive<RunTrial>(t =>
            {
                if (!held.ContainsKey(t.Trial)) Interlocked.Increment(ref runs.Started);
                held[t.Trial] = t;
                t.Coordinator.Tell(new TrialStarted(t.SearchId, t.Trial, "holder"));
            });
            Receive<Release>(_ =>
            {
                foreach (var t in held.Values) t.Coordinator.Tell(new TrialScored(t.SearchId, t.Trial, "holder", [], 99, 0, 1, []));
            });
        }
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
