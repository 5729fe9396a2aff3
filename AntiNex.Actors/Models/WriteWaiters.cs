using Akka.Actor;

namespace AntiNex.Models;

/// <summary>
/// The callers' commands an entity has received but not handled yet: put aside by Akka while an event is written, or
/// stashed by the entity until a phase ends. A failed write stops the entity and drops them: they go back to the shard
/// instead, with their callers, and the label's next incarnation handles them. A command is noted when it arrives and
/// forgotten when the entity's behaviour receives it (a command the entity stashes is noted again).
/// </summary>
internal sealed class WriteWaiters
{
    private readonly List<(IModelCommand Command, IActorRef Sender)> _waiting = [];

    /// <summary>A message arrives (or comes back from a stash): a caller's command is noted once.</summary>
    public void Arrived(object message, IActorRef sender)
    {
        if (message is not IModelCommand command || !IsCallersCommand(command) || IndexOf(command) >= 0) return;
        _waiting.Add((command, sender));
    }

    /// <summary>The behaviour receives the message: it is answered here, whatever happens next.</summary>
    public void Handled(object message)
    {
        if (message is not IModelCommand command) return;
        var at = IndexOf(command);
        if (at >= 0) _waiting.RemoveAt(at);
    }

    /// <summary>The write failed and the entity stops: what it had not handled goes back to the shard, in arrival order,
    /// which holds it for the next incarnation.</summary>
    public void ReturnAll(IActorRef shard)
    {
        foreach (var (command, sender) in _waiting) shard.Tell(command, sender);
        _waiting.Clear();
    }

    /// <summary>Searched from the end: the message just noted is the usual one.</summary>
    private int IndexOf(IModelCommand command)
    {
        for (var i = _waiting.Count - 1; i >= 0; i--)
            if (ReferenceEquals(_waiting[i].Command, command)) return i;
        return -1;
    }

    /// <summary>Commands someone sends (the entity's own machinery, such as resumes and stops, is not handed on).</summary>
    private static bool IsCallersCommand(IModelCommand message) => message is TrainModel or PredictModel or PredictRawRows
        or DescribeModel or DescribeLive or ForgetModel or CancelTraining or CancelOneTraining;
}
