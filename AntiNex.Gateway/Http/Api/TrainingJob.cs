// One training started through the API: its state, last progress, final report or error, and every event so far
// (replayed to each new Server-Sent-Events reader, then followed live). Progress and report are kept as the JSON the
// events carry, so a job read back from the job store after a restart answers exactly as before.
using System.Runtime.CompilerServices;
using System.Text.Json;
using AntiNex.Models;

namespace AntiNex.Gateway.Http.Api;

public sealed class TrainingJob
{
    /// <summary>Progress events kept at most: past it, every other older one goes (the curve keeps its shape), so a
    /// training of tens of thousands of epochs neither fills memory nor makes each save of the job rewrite megabytes.</summary>
    internal const int MaxProgressEvents = 1_000;

    private readonly List<JobEvent> _events;
    private readonly object _gate = new();
    private long _lastId;
    private int _progressEvents;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TrainingJob(string id, string label, string keyId, string requestJson, string? client, string? keySha256 = null)
    {
        Id = id;
        Label = label;
        KeyId = keyId;
        KeySha256 = keySha256;
        RequestJson = requestJson;
        Client = client;
        CreatedUtc = DateTimeOffset.UtcNow;
        _events = [];
    }

    /// <summary>A job read back from the store: its events replay its state.</summary>
    public TrainingJob(StoredJob stored)
    {
        Id = stored.Id;
        Label = stored.Label;
        KeyId = stored.KeyId;
        KeySha256 = stored.KeySha256;
        RequestJson = stored.RequestJson;
        Client = stored.Client;
        CreatedUtc = stored.CreatedUtc;
        _events = [];
        foreach (var e in stored.Events) Apply(e, e.Type is "completed" or "failed" ? stored.FinishedUtc ?? stored.CreatedUtc : null);
    }

    public string Id { get; }
    public string Label { get; }
    public string KeyId { get; }
    /// <summary>The SHA-256 of the secret that started the job (null in a job stored before it was kept): a key added
    /// again under the same id, as when a leaked key is replaced, is another key and does not keep the job.</summary>
    public string? KeySha256 { get; }
    /// <summary>The AntiNex request, kept to submit the training again when `serve` restarts while it runs.</summary>
    public string RequestJson { get; }
    public string? Client { get; }
    public DateTimeOffset CreatedUtc { get; }
    public string State { get; private set; } = "submitted";
    public JsonElement? Progress { get; private set; }
    public JsonElement? Result { get; private set; }
    /// <summary>The final report as an object (the dashboard draws its curves); read back from the store when it can be.</summary>
    public ModelTrainedReply? Trained { get; private set; }
    public JobError? Error { get; private set; }
    public DateTimeOffset? FinishedUtc { get; private set; }
    public bool Finished => FinishedUtc is not null;

    /// <summary>Called after every new event (outside the job's lock): the job store saves it.</summary>
    public Action<TrainingJob>? Changed { get; set; }

    /// <summary>Progress and the final reply, as the gateway session relays them.</summary>
    public void On(object message)
    {
        switch (message)
        {
            case TrainingQueued q: Add("queued", new { position = q.Position }); break;
            case TrainingStarted s: Add("started", new { node = s.Node }); break;
            case TrainingProgressed p: Add("progress", p.Progress); break;
            case ModelTrainedReply t:
                Trained = t;
                Add("completed", t);
                break;
            case ModelFailed f: Fail(new JobError(f.Code, f.Message, f.Issues)); break;
        }
    }

    public void Fail(JobError error) => Add("failed", error);

    /// <summary>The training ended while no process followed it (see <see cref="TrainingJobs.Resume"/>): the report is
    /// the model's description (version, node, metrics), the epochs are not known.</summary>
    public void CompletedBefore(ModelDescription model)
        => Add("completed", new
        {
            label = model.Label, version = model.Version, node = model.Node, report = model.Metrics, trained_utc = model.TrainedUtc,
        });

    /// <summary>The training ended before, and the model could not be described now: the model's own words stand in.</summary>
    public void CompletedBefore(ModelFailed alreadyTrained)
        => Add("completed", new { label = Label, note = alreadyTrained.Message });

    /// <summary>The training is submitted again after a restart of the service, under the same request id.</summary>
    public void Resumed(string reason) => Add("resumed", new { reason });

    /// <summary>What the store writes: everything needed to answer and to resume.</summary>
    public StoredJob ToStored()
    {
        lock (_gate) return new StoredJob(Id, Label, KeyId, RequestJson, Client, CreatedUtc, State, FinishedUtc, [.. _events], KeySha256);
    }

    private void Add(string type, object data)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (Finished) return;
            var e = new JobEvent(_lastId + 1, type, JsonSerializer.Serialize(data, data.GetType(), HttpJson.Options));
            Apply(e, type is "completed" or "failed" ? DateTimeOffset.UtcNow : null);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
        Changed?.Invoke(this);
    }

    /// <summary>One event's effect on the state; under the lock (or in the constructor).</summary>
    private void Apply(JobEvent e, DateTimeOffset? finishedUtc)
    {
        _events.Add(e);
        _lastId = Math.Max(_lastId, e.Id);
        if (e.Type == "progress" && ++_progressEvents > MaxProgressEvents) ThinProgress();
        switch (e.Type)
        {
            case "queued": State = "queued"; break;
            case "started": State = "training"; break;
            case "resumed": State = "submitted"; break;
            case "progress": State = "training"; Progress = Parse(e.Data); break;
            case "completed":
                State = "succeeded";
                Result = Parse(e.Data);
                FinishedUtc = finishedUtc;
                Trained ??= ReadReport(e.Data);
                break;
            case "failed":
                FinishedUtc = finishedUtc;
                Error = JsonSerializer.Deserialize<JobError>(e.Data, HttpJson.Options);
                State = Error?.Code == "cancelled" ? "cancelled" : "failed";
                break;
        }
    }

    /// <summary>Drops every other progress event but the newest; ids keep increasing, with gaps.</summary>
    private void ThinProgress()
    {
        var seen = 0;
        var newest = _events.FindLast(e => e.Type == "progress");
        _events.RemoveAll(e => e.Type == "progress" && seen++ % 2 == 1 && !ReferenceEquals(e, newest));
        _progressEvents = _events.Count(e => e.Type == "progress");
    }

    private static ModelTrainedReply? ReadReport(string json)
    {
        try { return JsonSerializer.Deserialize<ModelTrainedReply>(json, HttpJson.Options); }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException) { return null; }
    }

    private static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    /// <summary>Waits until the job is past "submitted" (queued, training or ended); false when it is still submitted after
    /// <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitPastSubmittedAsync(TimeSpan timeout, CancellationToken ct)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (State != "submitted") return true;
                changed = _changed.Task;
            }
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            try { await changed.WaitAsync(left, ct); }
            catch (TimeoutException) { return false; }
        }
    }

    /// <summary>Every event from the one after <paramref name="afterId"/>, then live ones, ending after the final event.</summary>
    public async IAsyncEnumerable<JobEvent> EventsAsync(long afterId, [EnumeratorCancellation] CancellationToken ct)
    {
        var next = Math.Max(afterId, 0);
        while (!ct.IsCancellationRequested)
        {
            JobEvent[] batch;
            Task changed;
            bool finished;
            lock (_gate)
            {
                // An id this job never gave (from the future, or beyond int) resumes from now, once: never a replay per event.
                next = Math.Min(next, _lastId);
                batch = _events.Where(e => e.Id > next).ToArray();
                changed = _changed.Task;
                finished = Finished;
            }
            foreach (var e in batch) yield return e;
            if (batch.Length > 0) next = batch[^1].Id;
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

/// <summary>A job as the job store keeps it.</summary>
public sealed record StoredJob(string Id, string Label, string KeyId, string RequestJson, string? Client, DateTimeOffset CreatedUtc,
    string State, DateTimeOffset? FinishedUtc, IReadOnlyList<JobEvent> Events, string? KeySha256 = null);
