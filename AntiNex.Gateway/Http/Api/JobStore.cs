// Training jobs on disk, one JSON file per job (written whole to a temporary file, then renamed), so that `serve`
// restarting keeps its jobs: finished ones answer as before, running ones are submitted again. `serve` is a gateway
// member without Redis access by design (it reaches the cluster only through Akka), so the jobs live in a folder of
// its own, beside its API key file by default. Files are 0600: a job holds its request.
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Http.Api;

public sealed class JobStore : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TrainingJob> _dirty = new();
    private readonly ConcurrentDictionary<string, long> _writtenAt = new(); // Environment.TickCount64 of each job's last write
    /// <summary>An unfinished job is written at most this often: its file holds the whole request (up to a few MB), and
    /// progress comes several times a second for hours. Its final event is written at once.</summary>
    internal static readonly TimeSpan ProgressWriteEvery = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _signal = new(0, 1); // a flag: set by any number of saves, taken once by the writer
    private readonly Lock _files = new(); // a removal and a write of the same job never interleave
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;
    private readonly ILogger? _log;

    public JobStore(string directory, TimeSpan timeToLive, ILogger? log = null)
    {
        Directory = System.IO.Directory.CreateDirectory(directory).FullName;
        TimeToLive = timeToLive;
        _log = log;
        _writer = Task.Run(WriteLoopAsync);
    }

    public string Directory { get; }

    /// <summary>A finished job is deleted this long after it finished. An unfinished one is never expired here: the next
    /// start submits it again or fails it at its deadline.</summary>
    public TimeSpan TimeToLive { get; }

    /// <summary>Every stored job still within its time to live; expired files are removed, and files that are not a job
    /// this store wrote are set aside as <c>*.unreadable</c> (logged), so one bad file never stops the service.</summary>
    public IReadOnlyList<StoredJob> LoadAll()
    {
        foreach (var temp in System.IO.Directory.EnumerateFiles(Directory, "job-*.json.tmp")) Delete(temp); // a write cut short
        var jobs = new List<StoredJob>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "job-*.json"))
        {
            StoredJob? job = null;
            string? problem;
            try
            {
                job = JsonSerializer.Deserialize<StoredJob>(File.ReadAllText(path), HttpJson.Options);
                problem = Problem(job, Path.GetFileNameWithoutExtension(path));
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
            {
                problem = e.Message;
            }
            if (problem is not null)
            {
                _log?.LogWarning("job file {Path} cannot be read ({Message}); set aside as .unreadable", path, problem);
                SetAside(path);
            }
            else if (Expired(job!, DateTimeOffset.UtcNow)) Delete(path);
            else jobs.Add(job!);
        }
        return jobs;
    }

    /// <summary>What makes a parsed file no job of this store (a hand edit, another build's format); null when it is one.</summary>
    private static string? Problem(StoredJob? job, string fileId) => job switch
    {
        null => "empty",
        { Id: null } or { Label: null } or { KeyId: null } or { RequestJson: null } or { State: null } => "a required field is missing",
        { Events: null } => "events is missing",
        _ when job.Id != fileId => $"it names job '{job.Id}'",
        _ when job.Events.Any(e => e is null || e.Type is null || e.Data is null) => "an event lacks its type or data",
        _ => null,
    };

    public bool Expired(StoredJob job, DateTimeOffset now) => job.FinishedUtc is { } finished && finished + TimeToLive < now;

    /// <summary>Queues the job for writing; several changes in a row are written once.</summary>
    public void Save(TrainingJob job)
    {
        if (_stop.IsCancellationRequested)
        {
            // Shutting down: the last writes are done. An event after them is lost for the file (the job is resumed).
            _log?.LogDebug("job {Id}: an event after the job store stopped is not saved", job.Id);
            return;
        }
        _dirty[job.Id] = job;
        try { _signal.Release(); }
        catch (SemaphoreFullException) { } // already set
        catch (ObjectDisposedException) { } // stopped meanwhile
    }

    public void Remove(string id)
    {
        lock (_files)
        {
            _dirty.TryRemove(id, out _);
            _writtenAt.TryRemove(id, out _);
            Delete(PathOf(id));
        }
    }

    private string PathOf(string id) => Path.Combine(Directory, id + ".json");

    private async Task WriteLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { await _signal.WaitAsync(_stop.Token); }
            catch (OperationCanceledException) { break; }
            // Progress comes once per epoch or faster: a short pause lets a burst of events become one write, and a job
            // written lately waits its turn (its next write still holds every event).
            for (var delay = TimeSpan.FromMilliseconds(200); !_stop.IsCancellationRequested;)
            {
                try { await Task.Delay(delay, _stop.Token); }
                catch (OperationCanceledException) { }
                if (!WriteDirty(all: false)) break;
                delay = ProgressWriteEvery / 4;
            }
        }
        WriteDirty(all: true);
    }

    /// <returns>whether a job was left for later (written too recently).</returns>
    private bool WriteDirty(bool all)
    {
        var left = false;
        foreach (var id in _dirty.Keys)
        {
            lock (_files)
            {
                if (!_dirty.TryGetValue(id, out var job)) continue;
                var since = Environment.TickCount64 - _writtenAt.GetValueOrDefault(id, long.MinValue / 2);
                if (!all && !job.Finished && since < (long)ProgressWriteEvery.TotalMilliseconds)
                {
                    left = true;
                    continue;
                }
                _dirty.TryRemove(id, out _);
                _writtenAt[id] = Environment.TickCount64;
                try { Write(job.ToStored()); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _log?.LogWarning("job {Id} could not be saved in {Directory}: {Message}", id, Directory, e.Message);
                }
            }
        }
        return left;
    }

    private void Write(StoredJob job)
    {
        var path = PathOf(job.Id);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options)) JsonSerializer.Serialize(stream, job, HttpJson.Options);
        File.Move(temp, path, overwrite: true);
    }

    private void SetAside(string path)
    {
        try { File.Move(path, path + ".unreadable", overwrite: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.LogWarning("cannot set aside {Path}: {Message}", path, e.Message);
        }
    }

    private void Delete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.LogWarning("cannot delete {Path}: {Message}", path, e.Message);
        }
    }

    /// <summary>Writes what is pending, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _writer;
        _stop.Dispose();
        _signal.Dispose();
    }
}
