using Akka.Actor;
using Akka.Persistence;

namespace AntiNex.Tests.Persistence;

/// <summary>A small persistent actor: persists ints, snapshots its list, and reports persistence outcomes to a watcher.</summary>
public sealed class CounterActor : ReceivePersistentActor
{
    private readonly IActorRef _watcher;
    private List<int> _state = [];

    public static Props Props(string persistenceId, IActorRef watcher) => Akka.Actor.Props.Create(() => new CounterActor(persistenceId, watcher));

    public CounterActor(string persistenceId, IActorRef watcher)
    {
        PersistenceId = persistenceId;
        _watcher = watcher;
        Recover<int>(n => _state.Add(n));
        Recover<SnapshotOffer>(offer => _state = ((int[])offer.Snapshot).ToList());
        Command<int>(n => Persist(n, e =>
        {
            _state.Add(e);
            Sender.Tell($"ok:{e}");
        }));
        Command<string>(s => s == "state", _ => Sender.Tell(string.Join(",", _state)));
        Command<string>(s => s == "snap", _ => SaveSnapshot(_state.ToArray()));
        Command<string>(s => s == "defer", _ => DeferAsync("deferred", e => Sender.Tell(e)));
        Command<SaveSnapshotSuccess>(_ => _watcher.Tell("snap-ok"));
        Command<SaveSnapshotFailure>(_ => _watcher.Tell("snap-failed"));
    }

    public override string PersistenceId { get; }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _watcher.Tell("persist-failure");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _watcher.Tell("persist-rejected");
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _watcher.Tell("recovery-failure");
        base.OnRecoveryFailure(reason, message);
    }
}

/// <summary>Saves a snapshot for every int it is told, without persisting events (all at the same sequence number).</summary>
public sealed class SnapshotterActor : ReceivePersistentActor
{
    private readonly IActorRef _watcher;
    private object? _recovered;

    public SnapshotterActor(string persistenceId, IActorRef watcher)
    {
        PersistenceId = persistenceId;
        _watcher = watcher;
        Recover<SnapshotOffer>(offer => _recovered = offer.Snapshot);
        Command<int>(n => SaveSnapshot(n));
        Command<string>(s => s == "recovered", _ => Sender.Tell(_recovered ?? "none"));
        Command<SaveSnapshotSuccess>(m => _watcher.Tell(m));
        Command<SaveSnapshotFailure>(m => _watcher.Tell(m));
    }

    public override string PersistenceId { get; }
}
