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

    /// <summary>A finished job is deleted this long after it finished; an unfinished one this long after it was created.</summary>
    public TimeSpan TimeToLive { get; }

    /// <summary>Every stored job still within its time to live; expired and unreadable files are removed (logged).</summary>
    public IReadOnlyList<StoredJob> LoadAll()
    {
        var jobs = new List<StoredJob>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "job-*.json"))
        {
            StoredJob? job = null;
            try { job = JsonSerializer.Deserialize<StoredJob>(File.ReadAllText(path), HttpJson.Options); }
            catch (Exception e) when (e is JsonException or IOException)
            {
                _log?.LogWarning("job file {Path} cannot be read ({Message}); removed", path, e.Message);
            }
            if (job is null || Expired(job, DateTimeOffset.UtcNow)) Delete(path);
            else jobs.Add(job);
        }
        return jobs;
    }

    public bool Expired(StoredJob job, DateTimeOffset now) => (job.FinishedUtc ?? job.CreatedUtc) + TimeToLive < now;

    /// <summary>Queues the job for writing; several changes in a row are written once.</summary>
    public void Save(TrainingJob job)
    {
        _dirty[job.Id] = job;
        try { _signal.Release(); }
        catch (SemaphoreFullException) { } // already set
    }

    public void Remove(string id)
    {
        lock (_files)
        {
            _dirty.TryRemove(id, out _);
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
            // Progress comes once per epoch or faster: a short pause lets a burst of events become one write.
            try { await Task.Delay(TimeSpan.FromMilliseconds(200), _stop.Token); }
            catch (OperationCanceledException) { }
            WriteDirty();
        }
        WriteDirty();
    }

    private void WriteDirty()
    {
        foreach (var id in _dirty.Keys)
        {
            lock (_files)
            {
                if (!_dirty.TryRemove(id, out var job)) continue;
                try { Write(job.ToStored()); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _log?.LogWarning("job {Id} could not be saved in {Directory}: {Message}", id, Directory, e.Message);
                }
            }
        }
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
