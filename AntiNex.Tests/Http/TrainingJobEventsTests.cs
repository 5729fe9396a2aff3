// A training job's event stream as a reader resuming with Last-Event-ID sees it: each event once, whatever id it sends.
using AntiNex.Gateway.Http.Api;

namespace AntiNex.Tests.Http;

public sealed class TrainingJobEventsTests
{
    [Theory]
    [InlineData(2L)]
    [InlineData(40L)]
    [InlineData(2_147_483_648L)]
    [InlineData(long.MaxValue)]
    public async Task A_reader_resuming_after_the_last_event_it_saw_gets_each_later_event_once(long lastEventId)
    {
        var job = new TrainingJob("job-0123456789abcdef", "web-a", "web", "{}", null);
        job.Resumed("first");
        job.Resumed("second");
        var seen = new List<long>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var events = job.EventsAsync(lastEventId, cts.Token).GetAsyncEnumerator(cts.Token);
        // The first step runs on this thread: the reader has taken its place in the stream before the next event.
        var next = events.MoveNextAsync().AsTask();
        job.Resumed("third");
        while (await next.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            seen.Add(events.Current.Id);
            if (seen.Count == 1) job.Fail(new JobError("cancelled", "cancelled by the test")); // while the reader follows
            next = events.MoveNextAsync().AsTask();
        }

        Assert.Equal(seen.Distinct(), seen);
        Assert.DoesNotContain(seen, id => id <= 2);
        Assert.Equal(4, seen[^1]);
    }
}
