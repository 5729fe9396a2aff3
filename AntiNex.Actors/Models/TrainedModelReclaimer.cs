using Akka.Actor;
using Akka.Event;
using AntiNex.Learning;

namespace AntiNex.Models;

/// <summary>A message that hands a loaded network to its receiver, which then owns it (and must dispose it).</summary>
public interface IHandsOverTrainedModel
{
    TrainedModel Model { get; }
}

/// <summary>One per model node: a training that finishes just as its entity stops, or a replica's load that ends just as
/// the replica stops, sends its loaded network to dead letters, where nobody would free its native memory. This actor
/// disposes it.</summary>
public sealed class TrainedModelReclaimer : ReceiveActor
{
    public const string Name = "trained-model-reclaimer";

    public TrainedModelReclaimer()
    {
        Receive<DeadLetter>(d =>
        {
            if (d.Message is not IHandsOverTrainedModel handed) return;
            handed.Model.Dispose();
            Context.GetLogger().Info("a loaded network whose receiver had stopped was freed ({0})", handed.GetType().Name);
        });
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    public static Props Props() => Akka.Actor.Props.Create(() => new TrainedModelReclaimer());
}
