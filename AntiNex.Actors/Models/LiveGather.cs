// Gathers the answers of a node's running entities to one DescribeLive each, for one ListLiveModels: a listing over
// thousands of running labels costs one short-lived actor and one timer per node and page, not an ask (a temporary
// actor, a timer and a task) per entity. Whatever has answered when the time is up is sent; the others show their cards.
using Akka.Actor;

namespace AntiNex.Models;

public sealed class LiveGather : ReceiveActor, IWithTimers
{
    private readonly List<LiveModel> _answers;
    private readonly IReadOnlyList<string> _ids;
    private readonly IActorRef _region;
    private readonly TimeSpan _timeout;
    private readonly string _node;
    private readonly IActorRef _replyTo;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyList<string> ids, IActorRef region, string node, IActorRef replyTo, TimeSpan timeout)
        => Akka.Actor.Props.Create(() => new LiveGather(ids, region, node, replyTo, timeout));

    public LiveGather(IReadOnlyList<string> ids, IActorRef region, string node, IActorRef replyTo, TimeSpan timeout)
    {
        (_ids, _region, _node, _replyTo, _timeout) = (ids, region, node, replyTo, timeout);
        _answers = new List<LiveModel>(ids.Count);
        Receive<LiveModel>(m =>
        {
            _answers.Add(m);
            if (_answers.Count == _ids.Count) Done();
        });
        Receive<TimeUp>(_ => Done());
    }

    protected override void PreStart()
    {
        if (_ids.Count == 0)
        {
            Done();
            return;
        }
        foreach (var id in _ids) _region.Tell(new DescribeLive(id), Self);
        Timers.StartSingleTimer(TimeUp.Instance, TimeUp.Instance, _timeout);
    }

    private void Done()
    {
        _replyTo.Tell(new LiveModels(_node, _answers.ToList()));
        Context.Stop(Self);
    }

    private sealed class TimeUp
    {
        public static readonly TimeUp Instance = new();
    }
}
