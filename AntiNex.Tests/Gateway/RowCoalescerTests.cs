using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Tests.Gateway;

/// <summary>The gateway's coalescing of small predicts: callers that queue behind a message in flight leave together
/// and each gets its own rows back; a caller's timeout counts from when it asked, so one that waited its whole time in
/// the queue hears a timeout then, and its rows are never sent; once sent, the send's answer is the caller's.</summary>
public sealed class RowCoalescerTests
{
    private static readonly CoalesceOptions OneInFlight = new() { InFlightPerLabel = 1 };

    [Fact]
    public async Task Queued_callers_leave_together_and_each_gets_its_own_rows()
    {
        var send = new HeldSend();
        var coalescer = new RowCoalescer(send.SendAsync, OneInFlight);
        var first = coalescer.SendAsync(Rows(1f), TimeSpan.FromSeconds(30));
        var second = coalescer.SendAsync(Rows(2f, 3f), TimeSpan.FromSeconds(30));
        var third = coalescer.SendAsync(Rows(4f), TimeSpan.FromSeconds(30));

        send.Release(); // the first message; the two queued ones leave as one
        send.Release();
        Assert.Equal(new[] { 1f }, Values(await first));
        Assert.Equal(new[] { 2f, 3f }, Values(await second));
        Assert.Equal(new[] { 4f }, Values(await third));
        Assert.Equal([1, 3], send.RowsSent);
    }

    [Fact]
    public async Task A_caller_whose_time_ran_out_in_the_queue_hears_a_timeout_and_its_rows_are_not_sent()
    {
        var send = new HeldSend();
        var coalescer = new RowCoalescer(send.SendAsync, OneInFlight);
        var first = coalescer.SendAsync(Rows(1f), TimeSpan.FromSeconds(30));
        var queued = coalescer.SendAsync(Rows(2f), TimeSpan.FromMilliseconds(200));

        // The message in flight does not answer before the queued caller's time is up: it must not wait for it.
        var done = await Task.WhenAny(queued, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.Same(queued, done);
        await Assert.ThrowsAsync<TimeoutException>(() => queued);

        send.Release();
        Assert.Equal(new[] { 1f }, Values(await first));
        await Task.Delay(100); // the lane moves on: the expired caller's rows would be sent now
        Assert.Equal([1], send.RowsSent);
    }

    [Fact]
    public async Task A_caller_whose_rows_were_sent_gets_the_answer_not_its_own_timeout()
    {
        var send = new HeldSend();
        var coalescer = new RowCoalescer(send.SendAsync, OneInFlight);
        var sent = coalescer.SendAsync(Rows(1f), TimeSpan.FromMilliseconds(200));
        await Task.Delay(500); // past the caller's timeout: the send in flight (with its own deadline) decides
        send.Release();
        Assert.Equal(new[] { 1f }, Values(await sent));
    }

    [Fact]
    public async Task A_batch_with_an_infinite_timeout_caller_is_sent_with_the_others_deadline()
    {
        var send = new HeldSend();
        var coalescer = new RowCoalescer(send.SendAsync, OneInFlight);
        var first = coalescer.SendAsync(Rows(1f), TimeSpan.FromSeconds(30));
        var forever = coalescer.SendAsync(Rows(2f), Timeout.InfiniteTimeSpan);
        var finite = coalescer.SendAsync(Rows(3f), TimeSpan.FromSeconds(30));
        send.Release();
        send.Release();
        await Task.WhenAll(first, forever, finite);
        Assert.Equal(2, send.Timeouts.Length);
        Assert.InRange(send.Timeouts[1], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = coalescer.SendAsync(Rows(4f), TimeSpan.FromMilliseconds(-5)); });
    }

    private static PredictRawRows Rows(params float[] values) => new("m", 1, values);

    private static float[] Values(object reply) => Assert.IsType<RowsPredicted>(reply).Values;

    /// <summary>A cluster that answers each message (every row's value echoed) only when the test releases it.</summary>
    private sealed class HeldSend
    {
        private readonly SemaphoreSlim _release = new(0);
        private readonly List<int> _rows = [];
        private readonly List<TimeSpan> _timeouts = [];

        public int[] RowsSent { get { lock (_rows) return [.. _rows]; } }
        public TimeSpan[] Timeouts { get { lock (_rows) return [.. _timeouts]; } }

        public void Release() => _release.Release();

        public async Task<object> SendAsync(PredictRawRows block, TimeSpan timeout)
        {
            lock (_rows)
            {
                _rows.Add(block.RowCount);
                _timeouts.Add(timeout);
            }
            await _release.WaitAsync(TimeSpan.FromSeconds(30));
            return new RowsPredicted(block.ModelId, 1, block.Values, "node");
        }
    }
}
