// The gateway actor (role "gateway"): turns console/queue requests into model commands sent through the shard-region
// proxy, and runs one short-lived session per request that relays training progress and completes with the reply.
using Akka.Actor;
using Akka.Event;
using AntiNex.Models;

namespace AntiNex.Gateway.Cluster;

/// <summary>Local-only: a command to route plus where to report progress and the final reply. Idempotent commands
/// (predict, describe, and train: its request id de-duplicates it) are re-sent with backoff until answered or acknowledged
/// by progress: sharding delivers at most once, and a message sent to a node that just crashed is lost; the re-send
/// reaches the shard's new home once the node is downed.</summary>
internal sealed record GatewayRequest(
    Func<IActorRef, IModelCommand> Command, Action<object>? OnProgress, TaskCompletionSource<object> Reply, TimeSpan Timeout,
    bool Resend = false, CancellationToken Cancel = default);

internal sealed class GatewayActor : ReceiveActor
{
    public const string Name = "gateway";
    private long _sessions;

    public GatewayActor(IActorRef region)
    {
        Receive<GatewayRequest>(r => Context.ActorOf(Akka.Actor.Props.Create(() => new RequestSession(region, r)), $"request-{++_sessions}"));
    }

    public static Props Props(IActorRef region) => Akka.Actor.Props.Create(() => new GatewayActor(region));

    /// <summary>One request: sends the command with itself as progress target and sender; ends on the final reply, at
    /// its total deadline (progress does not extend it) or when the caller abandons it. The entity watches the session:
    /// a session that ends early cancels the training it asked for.</summary>
    private sealed class RequestSession : ReceiveActor, IWithTimers
    {
        private static readonly TimeSpan FirstResend = TimeSpan.FromSeconds(2);
        private TimeSpan _resendAfter = FirstResend;
        private bool _progressSeen;
        private bool _progressFailed;
        private readonly CancellationTokenRegistration _abandon;
        private readonly TaskCompletionSource<object> _reply;

        public ITimerScheduler Timers { get; set; } = null!;

        public RequestSession(IActorRef region, GatewayRequest request)
        {
            _reply = request.Reply;
            var command = request.Command(Self);
            region.Tell(command, Self);
            Timers.StartSingleTimer("deadline", Deadline.Instance, request.Timeout);
            var self = Self;
            _abandon = request.Cancel.Register(() => self.Tell(Abandon.Instance));
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
            Receive<Deadline>(_ =>
            {
                request.Reply.TrySetException(new TimeoutException($"no reply within {request.Timeout.TotalSeconds:F0} s"));
                Context.Stop(Self);
            });
            Receive<Abandon>(_ =>
            {
                request.Reply.TrySetCanceled(request.Cancel);
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
            if (_progressFailed) return;
            try { request.OnProgress?.Invoke(p); }
            catch (Exception e)
            {
                // Progress is best effort: a failing callback must neither restart the session (which would re-send
                // the command and push its deadline back) nor fail the request. It is not called again.
                _progressFailed = true;
                Context.GetLogger().Warning(e, "request {0}: its progress callback failed; progress is no longer reported to it", Self.Path.Name);
            }
        }

        // A restart runs the session again: its caller still waits, nothing is failed.
        protected override void PreRestart(Exception reason, object message) => _abandon.Dispose();

        protected override void PostStop()
        {
            _abandon.Dispose();
            // Stopped before any answer: the actor system is going down (a shutdown, or this member was downed).
            _reply.TrySetException(new ClusterUnavailableException(GatewayClient.StoppedText));
        }

        private sealed record Resend
        {
            public static readonly Resend Instance = new();
        }

        private sealed record Deadline
        {
            public static readonly Deadline Instance = new();
        }

        private sealed record Abandon
        {
            public static readonly Abandon Instance = new();
        }
    }
}
