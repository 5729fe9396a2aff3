// The gateway actor (role "gateway"): turns console/queue requests into model commands sent through the shard-region
// proxy, and runs one short-lived session per request that relays training progress and completes with the reply.
using Akka.Actor;
using AntiNex.Models;

namespace AntiNex.Gateway.Cluster;

/// <summary>Local-only: a command to route plus where to report progress and the final reply. Idempotent commands
/// (predict, describe) are re-sent with backoff while unanswered: sharding delivers at most once, and a message sent
/// to a node that just crashed is lost; the re-send reaches the shard's new home once the node is downed.</summary>
internal sealed record GatewayRequest(
    Func<IActorRef, IModelCommand> Command, Action<object>? OnProgress, TaskCompletionSource<object> Reply, TimeSpan Timeout,
    bool Resend = false);

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
    private sealed class RequestSession : ReceiveActor, IWithTimers
    {
        private static readonly TimeSpan FirstResend = TimeSpan.FromSeconds(2);
        private TimeSpan _resendAfter = FirstResend;
        private bool _progressSeen;

        public ITimerScheduler Timers { get; set; } = null!;

        public RequestSession(IActorRef region, GatewayRequest request)
        {
            var command = request.Command(Self);
            region.Tell(command, Self);
            Context.SetReceiveTimeout(request.Timeout);
            if (request.Resend) Timers.StartSingleTimer("resend", Resend.Instance, _resendAfter);
            Receive<Resend>(_ =>
            {
                if (_progressSeen) return; // the entity is alive and working: a re-send would only duplicate work
                region.Tell(command, Self);
                _resendAfter = TimeSpan.FromTicks(Math.Min(_resendAfter.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
                Timers.StartSingleTimer("resend", Resend.Instance, _resendAfter);
            });
            Receive<TrainingQueued>(p => Progress(request, p));
            Receive<TrainingStarted>(p => Progress(request, p));
            Receive<TrainingProgressed>(p => Progress(request, p));
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

        private void Progress(GatewayRequest request, object p)
        {
            _progressSeen = true;
            request.OnProgress?.Invoke(p);
        }

        private sealed record Resend : INotInfluenceReceiveTimeout
        {
            public static readonly Resend Instance = new();
        }
    }
}
