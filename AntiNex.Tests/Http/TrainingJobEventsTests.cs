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
        var reading = Task.Run(async () =>
        {
            await foreach (var e in job.EventsAsync(lastEventId, cts.Token)) seen.Add(e.Id);
        });
        await Task.Delay(300);
        job.Resumed("third");
        await Task.Delay(300);
        job.Fail(new JobError("cancelled", "cancelled by the test"));
        await reading.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(seen.Distinct(), seen);
        Assert.DoesNotContain(seen, id => id <= 2);
        Assert.Equal(4, seen[^1]);
    }
}
