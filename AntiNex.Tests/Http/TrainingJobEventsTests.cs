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

    [Fact]
    public async Task A_long_training_keeps_a_bounded_thinned_progress_log_with_increasing_ids()
    {
        var job = new TrainingJob("job-0123456789abcdef", "web-a", "web", "{}", null);
        const int epochs = 5 * TrainingJob.MaxProgressEvents;
        for (var epoch = 1; epoch <= epochs; epoch++)
            job.On(new AntiNex.Models.TrainingProgressed("web-a", Progress(epoch, epochs), null));
        job.Fail(new JobError("cancelled", "cancelled by the test"));

        var events = new List<JobEvent>();
        await foreach (var e in job.EventsAsync(0, CancellationToken.None)) events.Add(e);
        var progress = events.Where(e => e.Type == "progress").ToList();
        Assert.InRange(progress.Count, TrainingJob.MaxProgressEvents / 2, TrainingJob.MaxProgressEvents);
        Assert.Equal(events.Select(e => e.Id).Order(), events.Select(e => e.Id));
        Assert.Equal(epochs + 1, events[^1].Id); // ids count every event, kept or not
        Assert.Contains($"\"epoch\":{epochs}", progress[^1].Data); // the newest progress stays
        Assert.Contains("\"epoch\":1,", progress[0].Data); // and the curve still starts at the start
        // A reader resuming from a dropped id gets what came after it.
        var resumed = new List<JobEvent>();
        await foreach (var e in job.EventsAsync(epochs / 2, CancellationToken.None)) resumed.Add(e);
        Assert.All(resumed, e => Assert.True(e.Id > epochs / 2));
        Assert.Equal(events.Count(e => e.Id > epochs / 2), resumed.Count);
        Assert.InRange(job.ToStored().Events.Count, 2, TrainingJob.MaxProgressEvents + 1);
    }

    private static AntiNex.Learning.TrainingProgress Progress(int epoch, int epochs) => new("fit", 0, 0, epoch, epochs, 0.5, null, null, null);
}
