// When to hedge a small predict: once it has waited longer than most recent answers did. A copy that is descheduled,
// collecting garbage or busy with a training answers late now and then; asking a second copy at about the 95th
// percentile of this gateway's own recent answer times cuts that tail for ~5 % more work ("The Tail at Scale",
// Dean and Barroso, 2013). Hedges are capped at a share of requests, so a saturated cluster is not sent double work.
namespace AntiNex.Gateway.Cluster;

/// <param name="clock">Milliseconds for the hedge budget's one-second windows (tests pin it).</param>
internal sealed class AdaptiveHedge(HedgeOptions options, Func<long>? clock = null)
{
    private readonly Func<long> _clock = clock ?? (() => Environment.TickCount64);
    private const int Window = 512;          // recent answer times kept
    private const int RecomputeEvery = 128;  // answers between two percentile updates
    private readonly long[] _recent = new long[Window];
    private readonly object _gate = new();
    private int _next, _filled, _sinceRecompute;
    private long _delayTicks = options.Delay.Ticks;
    private long _windowStart = long.MinValue, _requests, _hedges;

    /// <summary>A request small enough to be answered in well under a millisecond, worth sending twice when late.</summary>
    public static bool IsSmall(AntiNex.Models.IModelCommand command) => command switch
    {
        AntiNex.Models.PredictRawRows rows => rows.RowCount <= 64,
        AntiNex.Models.PredictModel json => json.RequestJson.Length <= 4096,
        _ => false,
    };

    /// <summary>The hedge delay for the next small request (the fixed delay until enough answers were seen).</summary>
    public TimeSpan Delay
    {
        get
        {
            lock (_gate)
            {
                Roll();
                _requests++;
                // Over budget: back to the fixed delay until the window turns.
                return _hedges > _requests * options.MaxHedgeShare ? options.Delay : TimeSpan.FromTicks(_delayTicks);
            }
        }
    }

    /// <summary>A small request's answer time.</summary>
    public void Answered(TimeSpan elapsed)
    {
        lock (_gate)
        {
            _recent[_next] = elapsed.Ticks;
            _next = (_next + 1) % Window;
            _filled = Math.Min(_filled + 1, Window);
            if (++_sinceRecompute < RecomputeEvery || _filled < RecomputeEvery) return;
            _sinceRecompute = 0;
            var sorted = _recent.AsSpan(0, _filled).ToArray();
            Array.Sort(sorted);
            var p = sorted[(int)Math.Min(_filled - 1, Math.Ceiling(_filled * options.HedgePercentile) - 1)];
            _delayTicks = Math.Clamp(p, options.MinDelay.Ticks, options.Delay.Ticks);
        }
    }

    /// <summary>A small request was sent to a second copy.</summary>
    public void Hedged()
    {
        lock (_gate) _hedges++;
    }

    private void Roll()
    {
        var now = _clock();
        if (_windowStart != long.MinValue && now - _windowStart < 1000) return;
        _windowStart = now;
        _requests = 0;
        _hedges = 0;
    }
}
