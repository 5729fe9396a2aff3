using Akka.Actor;
using AntiNex.Persistence.Signing;

namespace AntiNex.Models;

/// <summary>
/// The callers whose commands reached an entity while it was still loading its state. Akka stops an entity whose
/// recovery fails (store down, circuit open) and drops what it had put aside: these callers are told why instead of
/// waiting for their timeout. Commands of the entity's own machinery (resume, stop, timers) have no caller to tell.
/// A journal event refused for its signature fails the recovery too: that label stays unavailable (each command starts
/// it again, and its caller is told why), the others serve.
/// </summary>
internal sealed class RecoveryWaiters
{
    private readonly List<(IActorRef Caller, IModelCommand Command)> _waiting = [];

    public void Note(object message, IActorRef sender)
    {
        if (message is not (TrainModel or PredictModel or PredictRawRows or DescribeModel or ForgetModel or CancelTraining
            or CancelOneTraining)) return;
        if (sender.IsNobody() || sender.Equals(ActorRefs.NoSender)) return;
        _waiting.Add((sender, (IModelCommand)message));
    }

    /// <summary>Recovery completed: the commands are handled normally from here.</summary>
    public void Clear() => _waiting.Clear();

    /// <summary>Recovery failed: every waiting caller gets a <c>persistence</c> failure naming the cause.</summary>
    public void FailAll(string label, Exception cause, IActorRef self)
    {
        foreach (var (caller, command) in _waiting)
        {
            var requestId = command switch
            {
                TrainModel t => t.RequestId,
                PredictModel p => p.RequestId,
                CancelTraining c => c.RequestId,
                CancelOneTraining c => c.Training,
                _ => null,
            };
            // A refused event is no outage: retrying changes nothing until someone mends the stored journal.
            caller.Tell(cause is EventRefusedException
                ? ModelFailed.Of(label, "integrity", $"label '{label}' is unavailable: {cause.Message}", requestId)
                : ModelFailed.Of(label, "persistence",
                    $"label '{label}' could not be loaded from the store ({cause.Message}); nothing was changed, retry once the store is back",
                    requestId), self);
        }
        _waiting.Clear();
    }
}
