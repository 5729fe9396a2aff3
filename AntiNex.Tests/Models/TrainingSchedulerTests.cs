using AntiNex.Models;

namespace AntiNex.Tests.Models;

/// <summary>Node-wide training slots: at most N run at once, the rest wait first come first served and are told their
/// position; a cancelled wait leaves the queue and frees nothing it did not take.</summary>
public sealed class TrainingSchedulerTests
{
    [Fact]
    public async Task One_slot_runs_one_work_at_a_time_and_tells_the_waiting_their_position()
    {
        var scheduler = new TrainingScheduler(1);
        using var release = new ManualResetEventSlim();
        var positions = new List<int>();
        var started = new List<string>();
        var first = scheduler.Run(_ => { release.Wait(); return "first"; }, p => positions.Add(p), () => { lock (started) started.Add("first"); },
            CancellationToken.None);
        await WaitUntil(() => scheduler.Running == 1);
        var second = scheduler.Run(_ => "second", p => positions.Add(p), () => { lock (started) started.Add("second"); }, CancellationToken.None);
        var third = scheduler.Run(_ => "third", p => positions.Add(p), () => { lock (started) started.Add("third"); }, CancellationToken.None);

        Assert.Equal([0, 1, 2], positions);
        Assert.Equal(2, scheduler.Waiting);
        Assert.Equal(["first"], started);
        release.Set();
        Assert.Equal(["first", "second", "third"], await Task.WhenAll(first, second, third));
        Assert.Equal(0, scheduler.Running);
        Assert.Equal(0, scheduler.Waiting);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_queue_and_a_cancelled_work_frees_its_slot()
    {
        var scheduler = new TrainingScheduler(1);
        using var running = new CancellationTokenSource();
        var first = scheduler.Run(ct => { ct.WaitHandle.WaitOne(); ct.ThrowIfCancellationRequested(); return 1; }, _ => { }, () => { }, running.Token);
        await WaitUntil(() => scheduler.Running == 1);
        using var waiting = new CancellationTokenSource();
        var second = scheduler.Run(_ => 2, _ => { }, () => { }, waiting.Token);
        waiting.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        Assert.Equal(0, scheduler.Waiting);
        running.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(0, scheduler.Running);
        Assert.Equal(3, await scheduler.Run(_ => 3, _ => { }, () => { }, CancellationToken.None));
    }

    [Fact]
    public void Concurrency_must_be_positive()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingScheduler(0));

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
