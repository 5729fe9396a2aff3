// One training started through the API: its state, last progress, final report or error, and every event so far
// (replayed to each new Server-Sent-Events reader, then followed live).
using System.Runtime.CompilerServices;
using System.Text.Json;
using AntiNex.Learning;
using AntiNex.Models;

namespace AntiNex.Gateway.Http.Api;

public sealed class TrainingJob(string id, string label, string keyId)
{
    private readonly List<JobEvent> _events = [];
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id { get; } = id;
    public string Label { get; } = label;
    public string KeyId { get; } = keyId;
    public DateTimeOffset CreatedUtc { get; } = DateTimeOffset.UtcNow;
    public string State { get; private set; } = "submitted";
    public TrainingProgress? Progress { get; private set; }
    public ModelTrainedReply? Result { get; private set; }
    public JobError? Error { get; private set; }
    public DateTimeOffset? FinishedUtc { get; private set; }
    public bool Finished => FinishedUtc is not null;

    /// <summary>Progress and the final reply, as the gateway session relays them.</summary>
    public void On(object message)
    {
        switch (message)
        {
            case TrainingQueued q: Add("queued", new { position = q.Position }, "queued"); break;
            case TrainingStarted s: Add("started", new { node = s.Node }, "training"); break;
            case TrainingProgressed p: Progress = p.Progress; Add("progress", p.Progress, "training"); break;
            case ModelTrainedReply t: Result = t; Add("completed", t, "succeeded", final: true); break;
            case ModelFailed f: Fail(new JobError(f.Code, f.Message, f.Issues)); break;
        }
    }

    public void Fail(JobError error)
    {
        Error = error;
        Add("failed", error, "failed", final: true);
    }

    private void Add(string type, object data, string state, bool final = false)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (Finished) return;
            State = state;
            if (final) FinishedUtc = DateTimeOffset.UtcNow;
            _events.Add(new JobEvent(_events.Count + 1, type, JsonSerializer.Serialize(data, data.GetType(), HttpJson.Options)));
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Every event from the one after <paramref name="afterId"/>, then live ones, ending after the final event.</summary>
    public async IAsyncEnumerable<JobEvent> EventsAsync(long afterId, [EnumeratorCancellation] CancellationToken ct)
    {
        var next = (int)Math.Max(0, afterId);
        while (!ct.IsCancellationRequested)
        {
            JobEvent[] batch;
            Task changed;
            bool finished;
            lock (_gate)
            {
                batch = _events.Skip(next).ToArray();
                changed = _changed.Task;
                finished = Finished;
            }
            foreach (var e in batch) yield return e;
            next += batch.Length;
            if (finished) yield break;
            var quiet = false;
            try { await changed.WaitAsync(TimeSpan.FromSeconds(15), ct); }
            catch (TimeoutException) { quiet = true; }
            catch (OperationCanceledException) { yield break; }
            if (quiet) yield return JobEvent.KeepAlive;
        }
    }
}

public sealed record JobEvent(long Id, string Type, string Data)
{
    /// <summary>Sent on a quiet stream so proxies do not close it; clients ignore it.</summary>
    public static readonly JobEvent KeepAlive = new(0, "keepalive", "{}");
}

public sealed record JobError(string Code, string Message, IReadOnlyList<Requests.RequestIssue>? Issues = null);
