// What the journal says about a label's train requests: the one accepted but not finished (run again by the label's
// next holder) and the ids of the latest ones that produced a version (a re-sent request is not trained twice).
namespace AntiNex.Models;

public sealed class TrainingLedger
{
    /// <summary>Finished request ids kept (in the snapshot): enough for retries of the last few requests.</summary>
    public const int Remembered = 32;

    private readonly List<string> _finished = [];

    /// <summary>The accepted request whose version is not stored and that did not end otherwise.</summary>
    public StoredTrainingAccepted? Unfinished { get; private set; }

    public IReadOnlyList<string> Finished => _finished;

    /// <summary>From a snapshot: the requests that produced its version and the ones before.</summary>
    public void Restore(IReadOnlyList<string>? finished)
    {
        _finished.Clear();
        if (finished is not null) _finished.AddRange(finished.TakeLast(Remembered));
        if (Unfinished is { } u && _finished.Contains(u.RequestId)) Unfinished = null;
    }

    public void Accepted(StoredTrainingAccepted accepted)
    {
        if (!IsDone(accepted.RequestId)) Unfinished = accepted;
    }

    public void Ended(string requestId)
    {
        if (Unfinished?.RequestId == requestId) Unfinished = null;
    }

    public void Done(string? requestId)
    {
        if (requestId is null) return;
        Ended(requestId);
        _finished.Remove(requestId);
        _finished.Add(requestId);
        if (_finished.Count > Remembered) _finished.RemoveAt(0);
    }

    public bool IsDone(string requestId) => _finished.Contains(requestId);

    public bool IsUnfinished(string? requestId) => requestId is not null && Unfinished?.RequestId == requestId;

    /// <summary>The finished list as it will be once <paramref name="requestId"/> is stored (for its snapshot).</summary>
    public IReadOnlyList<string> FinishedWith(string? requestId)
    {
        var list = _finished.Where(r => r != requestId).ToList();
        if (requestId is not null) list.Add(requestId);
        return list.TakeLast(Remembered).ToList();
    }
}
