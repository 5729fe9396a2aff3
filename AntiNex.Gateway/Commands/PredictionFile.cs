// The --out file of a streamed predict, written beside its target under a temporary name and moved into place only when
// every row is predicted: a run that fails or is cancelled leaves neither a partial file nor a clobbered earlier one.
using System.Text;

namespace AntiNex.Gateway.Commands;

internal sealed class PredictionFile : IAsyncDisposable
{
    private readonly string _target;
    private readonly string _temporary;
    private StreamWriter? _writer;
    private bool _committed;

    public PredictionFile(string target)
    {
        _target = Path.GetFullPath(target);
        _temporary = Path.Combine(Path.GetDirectoryName(_target)!, $".{Path.GetFileName(_target)}.{Environment.ProcessId}.partial");
        _writer = new StreamWriter(_temporary, false, new UTF8Encoding(false), 1 << 16);
    }

    public TextWriter Writer => _writer ?? throw new InvalidOperationException("the prediction file is already committed");

    /// <summary>Every row is written: the file takes the target's name (replacing an earlier file of that name).</summary>
    public async Task CommitAsync()
    {
        await Writer.DisposeAsync();
        _writer = null;
        File.Move(_temporary, _target, overwrite: true);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null) await _writer.DisposeAsync();
        if (_committed) return;
        try { File.Delete(_temporary); }
        catch (IOException) { /* best effort: the run's own error is what the user needs to see */ }
    }
}
