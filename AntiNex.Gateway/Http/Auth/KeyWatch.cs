// A long answer (an event stream) outlives the check its request passed: the watch looks at the keys in force every
// interval and cancels its token once the caller's key is revoked or no longer grants what the answer needs.
namespace AntiNex.Gateway.Http.Auth;

public sealed class KeyWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly Timer _timer;
    private int _revoked;

    /// <param name="stillAllowed">what the key, as the key file now holds it (matched by its secret), must grant.</param>
    /// <param name="ct">the request's own cancellation, linked.</param>
    public KeyWatch(LiveApiKeys keys, ApiKey key, Func<ApiKey, bool> stillAllowed, TimeSpan every, CancellationToken ct)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _timer = new Timer(_ =>
        {
            if (keys.Current.Keys.FirstOrDefault(k => k.Sha256 == key.Sha256) is { } now && stillAllowed(now)) return;
            if (Interlocked.Exchange(ref _revoked, 1) == 0) _cts.Cancel();
        }, null, every, every);
    }

    /// <summary>Cancelled when the key no longer allows the answer, or the request ends.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True once the key was found revoked or narrowed.</summary>
    public bool Revoked => Volatile.Read(ref _revoked) == 1;

    public async ValueTask DisposeAsync()
    {
        // The timer first, waiting for a tick in progress: a tick must never cancel a disposed source.
        await _timer.DisposeAsync();
        _cts.Dispose();
    }
}
