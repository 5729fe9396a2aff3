// Logs a model node's way into the cluster, each step timed from its process start: member Up, then the first shards
// it holds. A joining node's time to serve is start-up + join + the coordinator's next rebalance round + hand-off;
// these two lines tell them apart without any outside polling (deploy/bench-scale.sh reads them).
using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace AntiNex.Cluster;

public sealed class ShardArrival : ReceiveActor, IWithTimers
{
    public const string Name = "shard-arrival";
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(200);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private double? _upSeconds;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region) => Akka.Actor.Props.Create(() => new ShardArrival(region));

    public ShardArrival(IActorRef region)
    {
        var self = Self;
        Akka.Cluster.Cluster.Get(Context.System).RegisterOnMemberUp(() => self.Tell(MemberUp.Instance));
        Receive<MemberUp>(_ =>
        {
            _upSeconds = SinceProcessStart();
            _log.Info("node timeline: member Up {0:F1} s after process start", _upSeconds);
            Timers.StartPeriodicTimer("poll", Poll.Instance, PollEvery);
        });
        Receive<Poll>(_ => region.Ask<ShardRegionStats>(GetShardRegionStats.Instance, TimeSpan.FromSeconds(5))
            .PipeTo(Self, failure: _ => Poll.Instance));
        Receive<ShardRegionStats>(s =>
        {
            if (s.Stats.Count == 0) return;
            var now = SinceProcessStart();
            _log.Info("node timeline: holds {0} shards {1:F1} s after process start ({2:F1} s after member Up)", s.Stats.Count, now,
                now - (_upSeconds ?? now));
            Context.Stop(Self);
        });
    }

    private static double SinceProcessStart()
    {
        using var process = Process.GetCurrentProcess();
        return (DateTime.Now - process.StartTime).TotalSeconds;
    }

    private sealed class MemberUp
    {
        public static readonly MemberUp Instance = new();
    }

    private sealed class Poll
    {
        public static readonly Poll Instance = new();
    }
}
