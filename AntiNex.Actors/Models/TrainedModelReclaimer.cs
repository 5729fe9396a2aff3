using Akka.Actor;
using Akka.Event;

namespace AntiNex.Models;

/// <summary>One per model node: a training that finishes just as its entity stops sends its loaded network to dead
/// letters, where nobody would free its native memory. This actor disposes it.</summary>
public sealed class TrainedModelReclaimer : ReceiveActor
{
    public const string Name = "trained-model-reclaimer";

    public TrainedModelReclaimer()
    {
        Receive<DeadLetter>(d =>
        {
            if (d.Message is not TrainingFinished finished) return;
            finished.Model.Dispose();
            Context.GetLogger().Info("a trained network whose entity had stopped was freed (run {0})", finished.RunId);
        });
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    public static Props Props() => Akka.Actor.Props.Create(() => new TrainedModelReclaimer());
}
