// The --out file of a streamed predict, written beside its target under a temporary name and moved into place only when
// every row is predicted: a run that fails or is cancelled leaves neither a partial file nor a clobbered earlier one. A
// symlink is written through (the file it points to is replaced, the link stays) and an earlier file's permissions are
// kept. A device (/dev/stdout, /dev/null) is written directly: there is nothing to replace. A saved model and a search's
// best request are written the same way (WriteAsync).
using System.Text;

namespace AntiNex.Gateway.Commands;

internal sealed class PredictionFile : IAsyncDisposable
{
    private readonly string _target;
    private readonly string? _temporary; // null: written directly
    private StreamWriter? _writer;
    private bool _committed;

    private PredictionFile(string target, string? temporary, StreamWriter writer)
    {
        _target = target;
        _temporary = temporary;
        _writer = writer;
    }

    /// <summary>Checks the target before any row is predicted; throws <see cref="UsageException"/> naming
    /// <paramref name="option"/>.</summary>
    public static PredictionFile Open(string target, string option = "--out")
    {
        var full = Path.GetFullPath(target);
        if (Directory.Exists(full)) throw new UsageException($"{option}: '{target}' is a folder; give a file name");
        try
        {
            if (IsDevice(full)) return new PredictionFile(full, null, NewWriter(full, FileMode.Open));
            var resolved = Resolved(full);
            var folder = Path.GetDirectoryName(resolved)!;
            if (!Directory.Exists(folder)) throw new UsageException($"{option}: the folder '{folder}' does not exist");
            var temporary = Path.Combine(folder, $".{Path.GetFileName(resolved)}.{Environment.ProcessId}.partial");
            return new PredictionFile(resolved, temporary, NewWriter(temporary, FileMode.Create));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option}: cannot write '{target}': {e.Message}");
        }
    }

    /// <summary>The file a path names, through a symbolic link: the file written (and compared with the input file).</summary>
    public static string Resolved(string path)
    {
        var full = Path.GetFullPath(path);
        return new FileInfo(full).LinkTarget is null ? full : File.ResolveLinkTarget(full, returnFinalTarget: true)!.FullName;
    }

    /// <summary>A whole file at once, appearing complete or not at all; throws <see cref="UsageException"/> naming
    /// <paramref name="option"/>.</summary>
    public static async Task WriteAsync(string target, ReadOnlyMemory<byte> content, string option)
    {
        try
        {
            await using var file = Open(target, option);
            await file.Writer.FlushAsync();
            await ((StreamWriter)file.Writer).BaseStream.WriteAsync(content);
            await file.CommitAsync();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option}: cannot write '{target}': {e.Message}");
        }
    }

    public TextWriter Writer => _writer ?? throw new InvalidOperationException("the prediction file is already committed");

    /// <summary>Every row is written: the file takes the target's name (replacing an earlier file of that name, whose
    /// permissions it keeps).</summary>
    public async Task CommitAsync()
    {
        await Writer.DisposeAsync();
        _writer = null;
        if (_temporary is not null)
        {
            if (!OperatingSystem.IsWindows() && File.Exists(_target)) File.SetUnixFileMode(_temporary, File.GetUnixFileMode(_target));
            File.Move(_temporary, _target, overwrite: true);
        }
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null) await _writer.DisposeAsync();
        if (_committed || _temporary is null) return;
        try { File.Delete(_temporary); }
        catch (IOException) { /* best effort: the run's own error is what the user needs to see */ }
    }

    private static StreamWriter NewWriter(string path, FileMode mode)
        => new(new FileStream(path, mode, FileAccess.Write, FileShare.Read, 1 << 16), new UTF8Encoding(false), 1 << 16);

    /// <summary>/dev/stdout, /dev/null, /proc/self/fd/N: a stream, not a file to replace.</summary>
    private static bool IsDevice(string path)
        => !OperatingSystem.IsWindows()
            && (path.StartsWith("/dev/", StringComparison.Ordinal) || path.StartsWith("/proc/", StringComparison.Ordinal));
}
