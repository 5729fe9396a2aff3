using Akka.Actor;

namespace AntiNex.Models;

/// <summary>
/// The callers' commands an entity holds but has not handled: put aside by Akka while an event is written, or stashed
/// by the entity until a phase ends. A failed write stops the entity and would drop them: they go back to the shard
/// instead, with their callers, and the label's next incarnation handles them. A command is noted when it is held and
/// forgotten when the entity's behaviour receives it. Lookups are by reference and constant-time: a busy label can hold
/// thousands of commands behind one slow write.
/// </summary>
internal sealed class WriteWaiters
{
    private readonly Dictionary<IModelCommand, (long Order, IActorRef Sender)> _noted = new(ReferenceEqualityComparer.Instance);
    private long _held;

    /// <summary>A caller's command the entity holds without handling it: noted once, in the order held.</summary>
    public void Held(object message, IActorRef sender)
    {
        if (message is IModelCommand command && IsCallersCommand(command)) _noted.TryAdd(command, (_held++, sender));
    }

    /// <summary>The behaviour receives the message: it is answered here, whatever happens next.</summary>
    public void Handled(object message)
    {
        if (_noted.Count > 0 && message is IModelCommand command) _noted.Remove(command);
    }

    /// <summary>The write failed and the entity stops: what it had not handled goes back to the shard, in the order held,
    /// which keeps it for the next incarnation.</summary>
    public void ReturnAll(IActorRef shard)
    {
        foreach (var (command, (_, sender)) in _noted.OrderBy(n => n.Value.Order)) shard.Tell(command, sender);
        _noted.Clear();
    }

    /// <summary>Commands someone sends (the entity's own machinery, such as resumes and stops, is not handed on).</summary>
    private static bool IsCallersCommand(IModelCommand message) => message is TrainModel or PredictModel or PredictRawRows
        or DescribeModel or DescribeLive or ForgetModel or CancelTraining or CancelOneTraining;
}
