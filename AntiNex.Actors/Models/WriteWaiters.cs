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
    private readonly LinkedList<(IModelCommand Command, IActorRef Sender)> _order = new();
    private readonly Dictionary<IModelCommand, LinkedListNode<(IModelCommand Command, IActorRef Sender)>> _noted =
        new(ReferenceEqualityComparer.Instance);

    /// <summary>A caller's command the entity holds without handling it: noted once, in the order held.</summary>
    public void Held(object message, IActorRef sender)
    {
        if (message is not IModelCommand command || !IsCallersCommand(command) || _noted.ContainsKey(command)) return;
        _noted[command] = _order.AddLast((command, sender));
    }

    /// <summary>The behaviour receives the message: it is answered here, whatever happens next.</summary>
    public void Handled(object message)
    {
        if (_noted.Count == 0 || message is not IModelCommand command) return;
        if (_noted.Remove(command, out var node)) _order.Remove(node);
    }

    /// <summary>The write failed and the entity stops: what it had not handled goes back to the shard, in the order held,
    /// which keeps it for the next incarnation.</summary>
    public void ReturnAll(IActorRef shard)
    {
        foreach (var (command, sender) in _order) shard.Tell(command, sender);
        _order.Clear();
        _noted.Clear();
    }

    /// <summary>Commands someone sends (the entity's own machinery, such as resumes and stops, is not handed on).</summary>
    private static bool IsCallersCommand(IModelCommand message) => message is TrainModel or PredictModel or PredictRawRows
        or DescribeModel or DescribeLive or ForgetModel or CancelTraining or CancelOneTraining;
}
