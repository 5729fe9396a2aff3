// Forwards engine progress from the training thread to the requester, throttled so a fast training does not flood
// the remote link.
using System.Diagnostics;
using Akka.Actor;
using AntiNex.Learning;

namespace AntiNex.Models;

/// <summary>At most one epoch tick per interval; phase changes, the last epoch and messages always pass.
/// Thread-safe: the engine reports from its own thread.</summary>
/// <param name="to">where progress goes, read at each report: a caller that re-sends the request takes the running
/// training's progress over.</param>
public sealed class ProgressRelay(Func<IActorRef?> to, string label, string? requestId, TimeSpan interval) : IProgress<TrainingProgress>
{
    private readonly object _gate = new();
    private long _last;
    private string? _lastPhase;
    public void Report(TrainingProgress value)
    {
        if (to() is not { } target) return;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            var force = value.Phase != _lastPhase || value.Epoch >= value.Epochs || value.Message is not null;
            if (!force && Stopwatch.GetElapsedTime(_last, now) < interval) return;
            _last = now;
            _lastPhase = value.Phase;
        }
        target.Tell(new TrainingProgressed(label, value, requestId));
    }
}
