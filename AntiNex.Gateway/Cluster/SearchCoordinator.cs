// Gateway side of a model search: finds the trial runner of every Up model node, hands out trials only to runners with
// a free slot (pull: a fast node simply gets more trials), sends nothing new to an unreachable node, re-queues the trials
// of a node that leaves or is removed, and streams events (for the live leaderboard) into a channel. Ends with every
// trial scored or failed.
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using AntiNex.Cluster;
using AntiNex.Models;
using AntiNex.Search;

namespace AntiNex.Gateway.Cluster;

/// <summary>One trial to run: its number (1-based), its configuration text and its request JSON.</summary>
public sealed record SearchTrial(int Trial, string Config, string RequestJson);

public abstract record SearchEvent;
public sealed record RunnerJoined(string Node, int Slots) : SearchEvent;
public sealed record RunnerLost(string Node, string Reason, IReadOnlyList<int> Requeued) : SearchEvent;
/// <summary>The node is unreachable: it gets no new trial; the ones it holds wait for it to come back or be removed.</summary>
public sealed record RunnerUnreachable(string Node, IReadOnlyList<int> Holding) : SearchEvent;
public sealed record RunnerReachable(string Node) : SearchEvent;
public sealed record TrialDispatched(int Trial, string Node) : SearchEvent;
public sealed record TrialRunning(int Trial, string Node) : SearchEvent;
public sealed record TrialFinished(TrialResult Result) : SearchEvent;
public sealed record SearchCompleted(IReadOnlyList<TrialResult> Results) : SearchEvent;

public sealed class SearchCoordinator : ReceiveActor, IWithTimers
{
    /// <summary>A trial is re-queued at most this many times after losing its node, then reported failed.</summary>
    public const int MaxAttempts = 3;
    /// <summary>Every dispatched trial is sent again this often: a message lost on the way, the trial or its answer
    /// (remoting delivers at most once), must not leave it waiting for the search's timeout. A runner answers a trial it
    /// is running with its start again, and one it finished with the same answer again; it never runs a trial twice.</summary>
    private static readonly TimeSpan ResendEvery = TimeSpan.FromSeconds(10);
    /// <summary>Trials waiting with no model node to run them fail after this long, instead of at the search's timeout.</summary>
    public static readonly TimeSpan NoRunnerGrace = TimeSpan.FromSeconds(30);
    private readonly TimeSpan _noRunnerGrace;
    private static readonly TimeSpan DiscoverEvery = TimeSpan.FromSeconds(2);
    /// <summary>Dispatch starts once every Up model node's runner answered, or after this long: the first trials are
    /// spread over all nodes instead of going to whichever runner answered first.</summary>
    private static readonly TimeSpan StartAfterAtMost = TimeSpan.FromSeconds(3);

    private sealed class Runner(IActorRef actor, Address address, string node, int slots)
    {
        public IActorRef Actor { get; } = actor;
        public Address Address { get; } = address;
        public string Node { get; } = node;
        public int Slots { get; } = slots;
        public HashSet<int> InFlight { get; } = [];
        /// <summary>Unreachable: it gets no new trial, but keeps its own until it is reachable again or removed (a pause
        /// on a loaded node is not a death; its trials would otherwise run twice).</summary>
        public bool Suspect { get; set; }
        public int Free => Suspect ? 0 : Slots - InFlight.Count;
    }

    private sealed record Discover
    {
        public static readonly Discover Instance = new();
    }

    private sealed record StartDispatch
    {
        public static readonly StartDispatch Instance = new();
    }

    private sealed record ResendInFlight
    {
        public static readonly ResendInFlight Instance = new();
    }

    private sealed record NoRunners
    {
        public static readonly NoRunners Instance = new();
    }

    private readonly string _searchId;
    private readonly Dictionary<int, SearchTrial> _trials;
    private readonly ChannelWriter<SearchEvent> _events;
    private readonly LinkedList<int> _pending;
    private readonly Dictionary<int, int> _attempts = [];
    private readonly Dictionary<int, TrialResult> _done = [];
    private readonly HashSet<int> _started = [];
    private bool _completed;
    private readonly Dictionary<Address, Runner> _runners = [];
    private readonly HashSet<Address> _modelMembers = [];
    /// <summary>Members unreachable now, runner known or not: a runner that answers late from one starts suspect.</summary>
    private readonly HashSet<Address> _unreachable = [];
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);

    public ITimerScheduler Timers { get; set; } = null!;

    // Phases: gathering (runners answer; nothing dispatched yet) -> dispatching (trials flow to free slots) -> stopped
    // when every trial is scored or failed.
    public SearchCoordinator(string searchId, IReadOnlyList<SearchTrial> trials, ChannelWriter<SearchEvent> events, TimeSpan? noRunnerGrace = null)
    {
        _noRunnerGrace = noRunnerGrace ?? NoRunnerGrace;
        _searchId = searchId;
        _trials = trials.ToDictionary(t => t.Trial);
        _pending = new LinkedList<int>(trials.Select(t => t.Trial));
        _events = events;
        Gathering();
    }

    private void Gathering()
    {
        Receive<StartDispatch>(_ => StartDispatching());
        Receive<TrialRunnerInfo>(info =>
        {
            if (!AddRunner(info)) return;
            if (_modelMembers.Where(a => !_unreachable.Contains(a)).All(_runners.ContainsKey)) StartDispatching();
        });
        Membership(lost: (address, reason) => Lose(address, reason), reachable: _ => { });
    }

    private void Dispatching()
    {
        Receive<StartDispatch>(_ => { });
        Receive<TrialRunnerInfo>(info =>
        {
            if (AddRunner(info)) Dispatch();
        });
        Receive<TrialStarted>(s =>
        {
            // A late start of a trial that finished (or was given up on) elsewhere is not news, nor is a start from a
            // node the trial was taken from: only its present holder's start stops the probes from counting it unstarted.
            if (!Mine(s.SearchId, s.Trial) || _done.ContainsKey(s.Trial)) return;
            if (!_runners.Values.Any(r => r.Node == s.Node && r.InFlight.Contains(s.Trial))) return;
            if (_started.Add(s.Trial)) _events.TryWrite(new TrialRunning(s.Trial, s.Node));
        });
        Receive<ResendInFlight>(_ =>
        {
            foreach (var runner in _runners.Values.Where(r => !r.Suspect))
                foreach (var trial in runner.InFlight)
                    runner.Actor.Tell(new RunTrial(_searchId, trial, _trials[trial].RequestJson, Self));
        });
        Receive<NoRunners>(_ =>
        {
            if (_runners.Count > 0) return;
            foreach (var trial in _pending.ToList())
                Record(new TrialResult(trial, _trials[trial].Config, "-", null, null, [], 0,
                    $"no-model-node: no model node's trial runner answered for {_noRunnerGrace.TotalSeconds:F0} s"));
            _pending.Clear();
            CompleteIfDone();
        });
        Receive<TrialScored>(s => Mine(s.SearchId, s.Trial), s => Finish(s.Trial, new TrialResult(s.Trial, _trials[s.Trial].Config, s.Node,
            s.CvMean, s.CvStd, s.Folds.Select(f => f.Score).ToList(), s.Seconds)));
        Receive<TrialFailed>(f => Mine(f.SearchId, f.Trial), f => Finish(f.Trial, new TrialResult(f.Trial, _trials[f.Trial].Config, f.Node,
            null, null, [], 0, f.Issues.Count > 0 ? $"{f.Code}: {string.Join("; ", f.Issues)}" : $"{f.Code}: {f.Message}")));
        Receive<TrialScored>(_ => { });
        Receive<TrialFailed>(_ => { });
        Membership(lost: (address, reason) =>
        {
            Lose(address, reason);
            Dispatch();
            CompleteIfDone();
        }, reachable: _ => Dispatch());
    }

    /// <summary>Cluster membership and runner discovery, the same in both phases; what a lost node means differs.</summary>
    private void Membership(Action<Address, string> lost, Action<Address> reachable)
    {
        Receive<ClusterEvent.MemberUp>(m => MemberSeen(m.Member));
        Receive<ClusterEvent.ReachableMember>(m =>
        {
            _unreachable.Remove(m.Member.Address);
            if (_runners.TryGetValue(m.Member.Address, out var runner) && runner.Suspect)
            {
                runner.Suspect = false;
                _events.TryWrite(new RunnerReachable(runner.Node));
                reachable(m.Member.Address);
            }
            MemberSeen(m.Member);
        });
        // Removed (downed, or left): its trials run elsewhere. Unreachable: a pause or a death, not known yet; the
        // split-brain resolver removes a dead node soon enough, and a paused one answers for its trials when it resumes.
        Receive<ClusterEvent.MemberRemoved>(m =>
            lost(m.Member.Address, m.PreviousStatus == MemberStatus.Down ? "was removed from the cluster (downed)" : "left the cluster"));
        Receive<ClusterEvent.MemberLeft>(m => lost(m.Member.Address, "is leaving the cluster"));
        Receive<ClusterEvent.UnreachableMember>(m =>
        {
            _unreachable.Add(m.Member.Address);
            if (!_runners.TryGetValue(m.Member.Address, out var runner) || runner.Suspect) return;
            runner.Suspect = true;
            _events.TryWrite(new RunnerUnreachable(runner.Node, runner.InFlight.Order().ToList()));
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });
        Receive<Discover>(_ => DiscoverRunners());
        Receive<Terminated>(t =>
        {
            if (_runners.Values.FirstOrDefault(r => r.Actor.Equals(t.ActorRef)) is { } runner) lost(runner.Address, "trial runner stopped");
        });
    }

    private void StartDispatching()
    {
        Timers.Cancel("start");
        Timers.StartPeriodicTimer("resend", ResendInFlight.Instance, ResendEvery);
        Become(Dispatching);
        Dispatch();
    }

    public static Props Props(string searchId, IReadOnlyList<SearchTrial> trials, ChannelWriter<SearchEvent> events,
        TimeSpan? noRunnerGrace = null)
        => Akka.Actor.Props.Create(() => new SearchCoordinator(searchId, trials, events, noRunnerGrace));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("discover", Discover.Instance, DiscoverEvery);
        Timers.StartSingleTimer("start", StartDispatch.Instance, StartAfterAtMost);
        if (_trials.Count == 0) Complete();
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        // Ended early (timeout, Ctrl+C) or done: nothing of this search should keep a node's slot busy.
        foreach (var r in _runners.Values.Where(r => r.InFlight.Count > 0)) r.Actor.Tell(new CancelTrials(_searchId));
        // Stopped before the end (its system shutting down, say): the reader hears so, not an empty search.
        if (_completed) _events.TryComplete();
        else _events.TryComplete(new SearchAbortedException($"the search coordinator stopped with {_done.Count} of {_trials.Count} trials done"));
    }

    private void MemberSeen(Member member)
    {
        if (!member.HasRole(AntiNexRoles.Model) || member.Status != MemberStatus.Up) return;
        _modelMembers.Add(member.Address);
        DiscoverRunners();
    }

    /// <summary>Asks every known model member without a runner yet (a node may still be starting its actors).</summary>
    private void DiscoverRunners()
    {
        foreach (var address in _modelMembers.Where(a => !_runners.ContainsKey(a)))
            Context.ActorSelection(new RootActorPath(address) / "user" / TrialRunner.Name).Tell(TrialRunnerQuery.Instance, Self);
    }

    /// <summary>Records a runner of a known model member (once); false when the answer is stale or a duplicate.</summary>
    private bool AddRunner(TrialRunnerInfo info)
    {
        var address = Sender.Path.Address;
        if (!_modelMembers.Contains(address) || _runners.ContainsKey(address)) return false;
        _runners[address] = new Runner(Sender, address, info.Node, Math.Max(1, info.Slots)) { Suspect = _unreachable.Contains(address) };
        Timers.Cancel("no-runners");
        Context.Watch(Sender);
        _events.TryWrite(new RunnerJoined(info.Node, info.Slots));
        return true;
    }

    private void Lose(Address address, string reason)
    {
        _modelMembers.Remove(address);
        _unreachable.Remove(address);
        if (!_runners.Remove(address, out var runner)) return;
        Context.Unwatch(runner.Actor);
        var requeued = new List<int>();
        // Back to the front of the queue (in trial order): they were next in line already.
        foreach (var trial in runner.InFlight.OrderDescending())
        {
            if (_done.ContainsKey(trial)) continue;
            _started.Remove(trial);
            var attempts = _attempts[trial] = _attempts.GetValueOrDefault(trial) + 1;
            if (attempts > MaxAttempts)
            {
                Record(new TrialResult(trial, _trials[trial].Config, runner.Node, null, null, [], 0,
                    $"node-lost: lost its node {attempts} times (last: {runner.Node} {reason})"));
                continue;
            }
            _pending.AddFirst(trial);
            requeued.Add(trial);
        }
        requeued.Reverse();
        _events.TryWrite(new RunnerLost(runner.Node, reason, requeued));
    }

    /// <summary>Pull-based load balance: a trial goes to the runner with the most free slots; none free, it waits.</summary>
    private void Dispatch()
    {
        if (_runners.Count == 0 && _pending.Count > 0 && !Timers.IsTimerActive("no-runners"))
            Timers.StartSingleTimer("no-runners", NoRunners.Instance, _noRunnerGrace);
        while (_pending.First is { } next)
        {
            var runner = _runners.Values.Where(r => r.Free > 0).OrderByDescending(r => r.Free).ThenBy(r => r.Node, StringComparer.Ordinal)
                .FirstOrDefault();
            if (runner is null) return;
            _pending.RemoveFirst();
            var trial = _trials[next.Value];
            runner.InFlight.Add(trial.Trial);
            runner.Actor.Tell(new RunTrial(_searchId, trial.Trial, trial.RequestJson, Self));
            _events.TryWrite(new TrialDispatched(trial.Trial, runner.Node));
        }
    }

    private bool Mine(string searchId, int trial) => searchId == _searchId && _trials.ContainsKey(trial);

    private void Finish(int trial, TrialResult result)
    {
        // Only the answering node's slot frees: after a re-queue another node may be running the same trial.
        if (_runners.TryGetValue(Sender.Path.Address, out var answering)) answering.InFlight.Remove(trial);
        if (_done.ContainsKey(trial)) return; // a late answer from a node that was given up on
        // A trial cancelled because its node is shutting down is not the configuration's fault: run it elsewhere.
        if (result.Error is { } e && e.StartsWith("cancelled", StringComparison.Ordinal) && _attempts.GetValueOrDefault(trial) + 1 <= MaxAttempts)
        {
            _attempts[trial] = _attempts.GetValueOrDefault(trial) + 1;
            _started.Remove(trial);
            if (!_pending.Contains(trial) && !_runners.Values.Any(r => r.InFlight.Contains(trial))) _pending.AddFirst(trial);
            Dispatch();
            return;
        }
        // The first answer counts. A copy still running on another node keeps that node's slot until it answers too.
        _pending.Remove(trial);
        Record(result);
        Dispatch();
        CompleteIfDone();
    }

    private void Record(TrialResult result)
    {
        _done[result.Trial] = result;
        _events.TryWrite(new TrialFinished(result));
    }

    private void CompleteIfDone()
    {
        if (_done.Count == _trials.Count) Complete();
    }

    private void Complete()
    {
        _completed = true;
        _events.TryWrite(new SearchCompleted(_done.Values.OrderBy(r => r.Trial).ToList()));
        Context.Stop(Self);
    }
}

/// <summary>The coordinator stopped before every trial was scored or failed.</summary>
public sealed class SearchAbortedException(string message) : Exception(message);
