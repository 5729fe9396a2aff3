using AntiNex.Gateway.Cluster;
using AntiNex.Models;

namespace AntiNex.Tests.Gateway;

/// <summary>The gateway's coalescing of small predicts: callers that queue behind a message in flight leave together
/// and each gets its own rows back; a caller's timeout counts from when it asked, so one that waited its whole time in
/// the queue (or in a batch sent with a longer deadline) hears a timeout then; rows still queued are never sent.</summary>
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
    public async Task A_caller_batched_with_a_longer_deadline_hears_its_own_timeout_and_the_batch_goes_on()
    {
        var send = new HeldSend();
        var coalescer = new RowCoalescer(send.SendAsync, OneInFlight);
        var first = coalescer.SendAsync(Rows(1f), TimeSpan.FromSeconds(30));
        // Time enough to leave with the batch on a loaded machine, far less than the batch's deadline.
        var hurried = coalescer.SendAsync(Rows(2f), TimeSpan.FromSeconds(3));
        var patient = coalescer.SendAsync(Rows(3f), TimeSpan.FromSeconds(30));
        send.Release(); // the two queued callers leave as one message, sent with the patient one's deadline

        var done = await Task.WhenAny(hurried, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.Same(hurried, done);
        await Assert.ThrowsAsync<TimeoutException>(() => hurried);
        Assert.Equal([1, 2], send.RowsSent);
        Assert.InRange(send.Timeouts[1], TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
        send.Release();
        Assert.Equal(new[] { 1f }, Values(await first));
        Assert.Equal(new[] { 3f }, Values(await patient));
    }

    [Fact]
    public void A_timeout_that_is_not_positive_and_finite_is_refused()
    {
        var coalescer = new RowCoalescer(new HeldSend().SendAsync, OneInFlight);
        foreach (var bad in new[] { Timeout.InfiniteTimeSpan, TimeSpan.Zero, TimeSpan.FromMilliseconds(-5), TimeSpan.FromDays(25) })
            Assert.Throws<ArgumentOutOfRangeException>(() => { _ = coalescer.SendAsync(Rows(4f), bad); });
    }

    [Fact]
    public async Task A_queued_caller_that_goes_away_is_cancelled_and_its_rows_are_not_sent()
    {
        var send = new HeldSend();
        var coalescer = new RowCoalescer(send.SendAsync, OneInFlight);
        var first = coalescer.SendAsync(Rows(1f), TimeSpan.FromSeconds(30));
        using var gone = new CancellationTokenSource();
        var queued = coalescer.SendAsync(Rows(2f), TimeSpan.FromSeconds(30), gone.Token);
        gone.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        send.Release();
        Assert.Equal(new[] { 1f }, Values(await first));
        await Task.Delay(100); // the lane moves on: the cancelled caller's rows would be sent now
        Assert.Equal([1], send.RowsSent);
    }

    [Fact]
    public async Task A_batch_never_holds_more_rows_than_one_remote_message_carries()
    {
        var send = new HeldSend();
        // The smallest budget: 1 KiB of payload, two rows of 100 float columns per message.
        var coalescer = new RowCoalescer(send.SendAsync, OneInFlight, new FrameBudget(0));
        var wide = Enumerable.Range(0, 4).Select(i => coalescer.SendAsync(Wide(i), TimeSpan.FromSeconds(30))).ToList();
        for (int i = 0; i < 3; i++) send.Release();
        await Task.WhenAll(wide);
        Assert.Equal([1, 2, 1], send.RowsSent);
        for (int i = 0; i < 4; i++) Assert.Equal(i, Values(await wide[i])[0]);
    }

    [Fact]
    public async Task A_batch_answered_with_the_wrong_number_of_rows_fails_every_caller()
    {
        var calls = 0;
        Task<object> Short(PredictRawRows block, TimeSpan _)
            => Task.FromResult<object>(Interlocked.Increment(ref calls) == 1
                ? new RowsPredicted(block.ModelId, 1, block.Values, "node")
                : new RowsPredicted(block.ModelId, 1, block.Values[..1], "node"));
        var held = new TaskCompletionSource();
        var coalescer = new RowCoalescer(async (b, t) => { await held.Task; return await Short(b, t); }, OneInFlight);
        var first = coalescer.SendAsync(Rows(1f), TimeSpan.FromSeconds(30));
        var a = coalescer.SendAsync(Rows(2f), TimeSpan.FromSeconds(30));
        var b = coalescer.SendAsync(Rows(3f), TimeSpan.FromSeconds(30));
        held.SetResult();
        Assert.Equal(new[] { 1f }, Values(await first));
        foreach (var reply in new[] { await a, await b })
            Assert.Equal("internal", Assert.IsType<ModelFailed>(reply).Code);
    }

    private static PredictRawRows Wide(int value) => new("m", 100, Enumerable.Repeat((float)value, 100).ToArray());

    private static PredictRawRows Rows(params float[] values) => new("m", 1, values);

    private static float[] Values(object reply) => Assert.IsType<RowsPredicted>(reply).Values;

    /// <summary>A cluster that answers each message (each row's first value echoed) only when the test releases it.</summary>
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
            // One value per row, as a model answers: the row's first column.
            var perRow = Enumerable.Range(0, block.RowCount).Select(r => block.Values[r * block.Columns]).ToArray();
            return new RowsPredicted(block.ModelId, 1, perRow, "node");
        }
    }
}
