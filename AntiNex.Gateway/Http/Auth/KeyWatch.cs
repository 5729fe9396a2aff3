// A long answer (an event stream) outlives the check its request passed: the watch looks at the keys in force every
// interval and cancels its token once the caller's key is revoked or no longer grants what the answer needs.
namespace AntiNex.Gateway.Http.Auth;

public sealed class KeyWatch : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly Timer _timer;
    private int _revoked;
    private int _disposed;

    /// <param name="stillAllowed">what the key, as the key file now holds it (matched by its secret), must grant.</param>
    /// <param name="ct">the request's own cancellation, linked.</param>
    public KeyWatch(LiveApiKeys keys, ApiKey key, Func<ApiKey, bool> stillAllowed, TimeSpan every, CancellationToken ct)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _timer = new Timer(_ =>
        {
            if (Volatile.Read(ref _disposed) == 1) return;
            if (keys.Current.Keys.FirstOrDefault(k => k.Sha256 == key.Sha256) is { } now && stillAllowed(now)) return;
            if (Interlocked.Exchange(ref _revoked, 1) != 0) return;
            // A tick already running when the answer ended may find the source disposed: nothing is left to cancel.
            try { _cts.Cancel(); }
            catch (ObjectDisposedException) { }
        }, null, every, every);
    }

    /// <summary>Cancelled when the key no longer allows the answer, or the request ends.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True once the key was found revoked or narrowed.</summary>
    public bool Revoked => Volatile.Read(ref _revoked) == 1;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _timer.Dispose();
        _cts.Dispose();
    }
}
