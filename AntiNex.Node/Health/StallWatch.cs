// Notices when this process was frozen (SIGSTOP, a VM pause, a swap storm). While frozen it could not heartbeat, so the
// others may have marked it unreachable or downed it; its own view of the cluster is stale until fresh gossip arrives.
// Readiness stays false from the moment the stall is seen until a grace period has passed, instead of answering "Up"
// from the stale view right after the process resumes.
using System.Diagnostics;

namespace AntiNex.Node.Health;

internal sealed class StallWatch : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);
    /// <summary>A gap longer than this between ticks is a stall: Akka's failure detector tolerates 3 s of silence.</summary>
    public static readonly TimeSpan Threshold = TimeSpan.FromSeconds(3);
    /// <summary>After a stall: time for the gossip that says whether the others downed this node to arrive.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private readonly Thread _thread;
    private volatile bool _stopped;
    private long _lastTick = Stopwatch.GetTimestamp();
    private long _notReadyUntil;
    private long _lastStallMs;

    public StallWatch()
    {
        // Its own thread: a busy thread pool must not look like a frozen process.
        _thread = new Thread(Run) { IsBackground = true, Name = "antinex-stall-watch" };
        _thread.Start();
    }

    /// <summary>Null while the process runs normally, else why it is not ready.</summary>
    public string? Problem()
    {
        var now = Stopwatch.GetTimestamp();
        var sinceTick = Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastTick), now);
        if (sinceTick > Threshold) return $"process was frozen for {sinceTick.TotalSeconds:0.0} s; waiting for fresh cluster state";
        if (now < Interlocked.Read(ref _notReadyUntil))
            return $"process was frozen for {Interlocked.Read(ref _lastStallMs) / 1000.0:0.0} s; waiting for fresh cluster state";
        return null;
    }

    private void Run()
    {
        while (!_stopped)
        {
            Thread.Sleep(Tick);
            var now = Stopwatch.GetTimestamp();
            var gap = Stopwatch.GetElapsedTime(Interlocked.Exchange(ref _lastTick, now), now);
            if (gap <= Threshold) continue;
            Interlocked.Exchange(ref _lastStallMs, (long)gap.TotalMilliseconds);
            Interlocked.Exchange(ref _notReadyUntil, now + (long)(Grace.TotalSeconds * Stopwatch.Frequency));
        }
    }

    public void Dispose() => _stopped = true;
}
