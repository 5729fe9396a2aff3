// What the journal says about a label's train requests: the ones accepted but not finished, in the order they were
// accepted (run again, in that order, by the label's next holder), the ids of the latest ones that produced a version,
// and of the latest that ended without one for good (a cancel, a refusal, a failed training): a re-sent request is not
// trained twice, nor again after it ended.
namespace AntiNex.Models;

public sealed class TrainingLedger
{
    /// <summary>Finished request ids kept (in the snapshot): enough for retries of the last few requests.</summary>
    public const int Remembered = 32;

    private readonly List<string> _finished = [];
    private readonly List<StoredTrainingAccepted> _pending = [];
    private readonly List<StoredTrainingEnded> _ended = [];

    /// <summary>The outcome of a training cancelled at its deadline: a queue takes such a request again, so it is not final.</summary>
    public const string DeadlinePassed = "deadline";

    /// <summary>Outcomes that end a request for good; the others (the store or the cluster failing, the deadline) may be
    /// retried.</summary>
    private static bool Final(string outcome) => outcome is not ("persistence" or "busy" or "unavailable" or DeadlinePassed);

    /// <summary>Accepted requests whose version is not stored and that did not end otherwise: the running one first,
    /// then the queued ones in their order.</summary>
    public IReadOnlyList<StoredTrainingAccepted> Pending => _pending;

    public bool HasPending => _pending.Count > 0;

    public IReadOnlyList<string> Finished => _finished;

    /// <summary>The latest requests that ended for good without a version, oldest first.</summary>
    public IReadOnlyList<StoredTrainingEnded> EndedForGood => _ended;

    /// <summary>From a snapshot: the requests that produced its version and the ones before, and the requests accepted
    /// before it and still pending (none in a snapshot written before snapshots carried them).</summary>
    public void Restore(IReadOnlyList<string>? finished, IReadOnlyList<StoredTrainingAccepted>? pending,
        IReadOnlyList<StoredTrainingEnded>? ended = null)
    {
        _finished.Clear();
        _pending.Clear();
        _ended.Clear();
        if (finished is not null) _finished.AddRange(finished.TakeLast(Remembered));
        _ended.AddRange((ended ?? []).TakeLast(Remembered));
        foreach (var accepted in pending ?? []) Accepted(accepted);
    }

    /// <summary>A new request joins the end; the same id again (a re-sent request) keeps its place and takes the new
    /// caller; a finished one is ignored.</summary>
    public void Accepted(StoredTrainingAccepted accepted)
    {
        if (IsDone(accepted.RequestId) || EndedOutcome(accepted.RequestId) is not null) return;
        var at = _pending.FindIndex(p => p.RequestId == accepted.RequestId);
        if (at >= 0) _pending[at] = accepted;
        else _pending.Add(accepted);
    }

    /// <summary>An accepted request ended without a version: remembered unless the outcome may be retried.</summary>
    public void Ended(StoredTrainingEnded ended)
    {
        Ended(ended.RequestId);
        if (!Final(ended.Outcome)) return;
        _ended.RemoveAll(e => e.RequestId == ended.RequestId);
        _ended.Add(ended);
        if (_ended.Count > Remembered) _ended.RemoveAt(0);
    }

    private void Ended(string requestId) => _pending.RemoveAll(p => p.RequestId == requestId);

    public void Done(string? requestId)
    {
        if (requestId is null) return;
        Ended(requestId);
        _finished.Remove(requestId);
        _finished.Add(requestId);
        if (_finished.Count > Remembered) _finished.RemoveAt(0);
    }

    /// <summary>The label's stored state is gone (forgotten, or a refused snapshot): nothing pending, nothing finished.</summary>
    public void Clear()
    {
        _finished.Clear();
        _pending.Clear();
        _ended.Clear();
    }

    /// <summary>The label is forgotten: nothing is pending any more, and the requests it finished or ended are still not run
    /// again (a gateway restarted meanwhile submits its unfinished jobs again under their ids).</summary>
    public void Forgotten(IReadOnlyList<string>? finished, IReadOnlyList<StoredTrainingEnded>? ended) => Restore(finished, [], ended);

    /// <summary>How the request ended without a version, when it ended for good.</summary>
    public string? EndedOutcome(string requestId) => _ended.LastOrDefault(e => e.RequestId == requestId)?.Outcome;

    public bool IsDone(string requestId) => _finished.Contains(requestId);

    public bool IsPending(string? requestId) => requestId is not null && _pending.Any(p => p.RequestId == requestId);

    /// <summary>The finished list as it will be once <paramref name="requestId"/> is stored (for its snapshot).</summary>
    public IReadOnlyList<string> FinishedWith(string? requestId)
    {
        var list = _finished.Where(r => r != requestId).ToList();
        if (requestId is not null) list.Add(requestId);
        return list.TakeLast(Remembered).ToList();
    }

    /// <summary>The pending list as it will be once <paramref name="requestId"/> is stored (for its snapshot: the events
    /// that accepted them are behind it and not replayed).</summary>
    public IReadOnlyList<StoredTrainingAccepted> PendingWithout(string? requestId)
        => _pending.Where(p => p.RequestId != requestId).ToList();
}
