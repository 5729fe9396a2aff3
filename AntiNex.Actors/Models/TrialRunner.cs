// Per-node runner of search trials (not persistent, not sharded): takes a trial request, runs the engine's
// cross-validation-only path in one of the node's TrainingScheduler slots (the same slots as model trainings, one
// torch thread each), and reports the CV scores. Trials of a coordinator that dies are cancelled. A trial sent again
// (its coordinator probes every trial it waits for) is never run twice: a running one answers with its start, a
// finished one with the same answer, kept until its search ends.
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using AntiNex.Learning;
using AntiNex.Reporting;
using AntiNex.Requests;

namespace AntiNex.Models;

public sealed class TrialRunner : ReceiveActor
{
    public const string Name = "trial-runner";

    private sealed record Running(RunTrial Trial, CancellationTokenSource Cancel)
    {
        public volatile bool Started;
    }
    private sealed record Done(string SearchId, int Trial, TrainingReport? Report, Exception? Error, double Seconds);

    private readonly ModelRuntime _rt;
    private readonly Dictionary<(string, int), Running> _running = [];
    private readonly Dictionary<(string, int), (IActorRef Coordinator, IAntiNexMessage Answer)> _answered = [];
    /// <summary>Warnings carried back with a score: a wide dataset can warn per column, and an answer too large for one
    /// cluster message is dropped by the transport (the coordinator does not show them).</summary>
    private const int MaxWarnings = 20;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public TrialRunner(ModelRuntime runtime)
    {
        _rt = runtime;
        Receive<TrialRunnerQuery>(_ => Sender.Tell(new TrialRunnerInfo(_rt.NodeName, _rt.Scheduler.Concurrency)));
        Receive<RunTrial>(Start);
        Receive<Done>(Finish);
        Receive<CancelTrials>(c =>
        {
            CancelWhere(r => r.Trial.SearchId == c.SearchId);
            Forget(k => k.Item1 == c.SearchId, _ => true);
        });
        Receive<Terminated>(t =>
        {
            CancelWhere(r => r.Trial.Coordinator.Equals(t.ActorRef));
            Forget(_ => true, coordinator => coordinator.Equals(t.ActorRef));
        });
    }

    public static Props Props(ModelRuntime runtime) => Akka.Actor.Props.Create(() => new TrialRunner(runtime));

    private void Start(RunTrial t)
    {
        var key = (t.SearchId, t.Trial);
        if (_answered.TryGetValue(key, out var answered)) { t.Coordinator.Tell(answered.Answer); return; } // its answer was lost
        if (_running.TryGetValue(key, out var running))
        {
            // Still running: said again only once it has a slot (a start from the queue would be news to no one).
            if (running.Started) t.Coordinator.Tell(new TrialStarted(t.SearchId, t.Trial, _rt.NodeName));
            return;
        }
        AntiNexRequest request;
        try { request = AntiNexRequest.Parse(t.RequestJson, out _); }
        catch (RequestException re)
        {
            t.Coordinator.Tell(new TrialFailed(t.SearchId, t.Trial, _rt.NodeName, "bad-request", re.Message, re.Issues));
            return;
        }
        var cancel = new CancellationTokenSource();
        var run = _running[key] = new Running(t, cancel);
        Context.Watch(t.Coordinator);
        var self = Self;
        var rt = _rt;
        var options = rt.EngineOptions with { PlotDirectory = null };
        var clock = Stopwatch.StartNew();
        rt.Scheduler.Run(ct => TrainingEngine.CrossValidate(request, rt.DataRoots, options, null, ct),
                queued: _ => { },
                started: () =>
                {
                    clock.Restart();
                    run.Started = true;
                    t.Coordinator.Tell(new TrialStarted(t.SearchId, t.Trial, rt.NodeName));
                },
                cancel.Token)
            .PipeTo(self, success: r => new Done(t.SearchId, t.Trial, r, null, clock.Elapsed.TotalSeconds),
                failure: ex => new Done(t.SearchId, t.Trial, null, ex, clock.Elapsed.TotalSeconds));
    }

    private void Finish(Done d)
    {
        if (!_running.Remove((d.SearchId, d.Trial), out var run)) return;
        run.Cancel.Dispose();
        var t = run.Trial;
        // A diverged fold leaves a score that is not a number: it would rank first (NaN sorts before every number).
        if (d.Report is { CvMean: { } nan } && !double.IsFinite(nan))
        {
            Answer(t, new TrialFailed(t.SearchId, t.Trial, _rt.NodeName, "training-failed",
                $"the cross-validation score is not a finite number ({nan}): a fold diverged", []));
            return;
        }
        if (d.Report is { CvMean: { } mean } r)
        {
            Answer(t, new TrialScored(t.SearchId, t.Trial, _rt.NodeName, r.Cv, mean, r.CvStd ?? 0, d.Seconds, [.. r.Warnings.Take(MaxWarnings)]));
            return;
        }
        var error = d.Error is AggregateException { InnerExceptions.Count: 1 } agg ? agg.InnerExceptions[0] : d.Error;
        var failed = error switch
        {
            RequestException re => new TrialFailed(t.SearchId, t.Trial, _rt.NodeName, "bad-request", re.Message, re.Issues),
            OperationCanceledException => new TrialFailed(t.SearchId, t.Trial, _rt.NodeName, "cancelled", "trial cancelled", []),
            null => new TrialFailed(t.SearchId, t.Trial, _rt.NodeName, "training-failed", "no cross-validation score", []),
            _ => new TrialFailed(t.SearchId, t.Trial, _rt.NodeName, "training-failed", $"{error.GetType().Name}: {error.Message}", []),
        };
        if (failed.Code == "training-failed") _log.Error(error, "search {0} trial {1} failed", t.SearchId, t.Trial);
        Answer(t, failed);
    }

    /// <summary>Sends the trial's answer and keeps it for a probe whose answer was lost; a cancelled trial is not kept:
    /// sent here again, it runs again.</summary>
    private void Answer(RunTrial t, IAntiNexMessage answer)
    {
        if (answer is not TrialFailed { Code: "cancelled" }) _answered[(t.SearchId, t.Trial)] = (t.Coordinator, answer);
        t.Coordinator.Tell(answer);
    }

    private void Forget(Func<(string, int), bool> key, Func<IActorRef, bool> coordinator)
    {
        foreach (var k in _answered.Where(a => key(a.Key) && coordinator(a.Value.Coordinator)).Select(a => a.Key).ToList()) _answered.Remove(k);
    }

    private void CancelWhere(Func<Running, bool> match)
    {
        foreach (var run in _running.Values.Where(match)) run.Cancel.Cancel();
    }

    protected override void PostStop()
    {
        foreach (var run in _running.Values) run.Cancel.Cancel();
    }
}
