using Akka.Actor;

namespace AntiNex.Models;

/// <summary>
/// The commands that reached an entity while one of its events was being written. Akka puts them aside until the write
/// completes, and drops them if it fails (the entity stops): they go back to the shard instead, with their callers, and
/// the label's next incarnation handles them. A command is no longer noted once it is handled.
/// </summary>
internal sealed class WriteWaiters
{
    private readonly List<(IModelCommand Command, IActorRef Sender)> _waiting = [];
    private int _writes;

    /// <summary>An event is being written: commands wait until its handler (or its refusal) has run.</summary>
    public void Started() => _writes++;

    /// <summary>An event's handler ran, or the journal refused it.</summary>
    public void Ended() => _writes = Math.Max(0, _writes - 1);

    /// <summary>Every message passes here before the entity sees it: one arriving during a write is put aside by Akka
    /// (noted), and one arriving after it is handled (forgotten).</summary>
    public void Note(object message, IActorRef sender)
    {
        if (!IsCallersCommand(message)) return;
        var at = _waiting.FindIndex(w => ReferenceEquals(w.Command, message));
        if (_writes == 0)
        {
            if (at >= 0) _waiting.RemoveAt(at);
        }
        else if (at < 0) _waiting.Add(((IModelCommand)message, sender));
    }

    /// <summary>The write failed and the entity stops: what it put aside (the entity's own stash first, it is older)
    /// goes back to the shard, which holds it for the next incarnation.</summary>
    public void ReturnAll(IEnumerable<Envelope> stashed, IActorRef shard)
    {
        foreach (var envelope in stashed)
            if (IsCallersCommand(envelope.Message)) shard.Tell(envelope.Message, envelope.Sender);
        foreach (var (command, sender) in _waiting) shard.Tell(command, sender);
        _waiting.Clear();
    }

    /// <summary>Commands someone sends (the entity's own machinery, such as resumes and stops, is not handed on).</summary>
    private static bool IsCallersCommand(object message) => message is TrainModel or PredictModel or PredictRawRows or DescribeModel
        or DescribeLive or ForgetModel or CancelTraining or CancelOneTraining;
}
