// The gateway actor (role "gateway"): turns console/queue requests into model commands sent through the shard-region
// proxy, and runs one short-lived session per request that relays training progress and completes with the reply.
using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Gateway.Cluster;

/// <summary>Local-only: a command to route plus where to report progress and the final reply.</summary>
internal sealed record GatewayRequest(
    Func<IActorRef, IModelCommand> Command, Action<object>? OnProgress, TaskCompletionSource<object> Reply, TimeSpan Timeout);

internal sealed class GatewayActor : ReceiveActor
{
    public const string Name = "gateway";
    private long _sessions;

    public GatewayActor(IActorRef region)
    {
        Receive<GatewayRequest>(r => Context.ActorOf(Akka.Actor.Props.Create(() => new RequestSession(region, r)), $"request-{++_sessions}"));
    }

    public static Props Props(IActorRef region) => Akka.Actor.Props.Create(() => new GatewayActor(region));

    /// <summary>One request: sends the command with itself as progress target and sender; ends on the final reply.</summary>
    private sealed class RequestSession : ReceiveActor
    {
        public RequestSession(IActorRef region, GatewayRequest request)
        {
            region.Tell(request.Command(Self), Self);
            Context.SetReceiveTimeout(request.Timeout);
            Receive<TrainingQueued>(p => request.OnProgress?.Invoke(p));
            Receive<TrainingStarted>(p => request.OnProgress?.Invoke(p));
            Receive<TrainingProgressed>(p => request.OnProgress?.Invoke(p));
            Receive<ReceiveTimeout>(_ =>
            {
                request.Reply.TrySetException(new TimeoutException($"no reply within {request.Timeout.TotalSeconds:F0} s"));
                Context.Stop(Self);
            });
            ReceiveAny(reply =>
            {
                request.Reply.TrySetResult(reply);
                Context.Stop(Self);
            });
        }

    }
}
