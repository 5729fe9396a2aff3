using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AntiNex.Tests.Persistence;

/// <summary>
/// TCP proxy in front of a redis-server that holds traffic back once, on demand: either the first request that
/// contains a marker (and everything sent after it), or the replies that follow such a request. Lets a test make a
/// Redis call time out on the client while Redis runs it, or not yet.
/// </summary>
internal sealed class HoldingTcpProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly List<TcpClient> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private string? _marker;
    private bool _holdReplies;
    private TimeSpan _hold;
    private long _repliesHeldUntil;

    public HoldingTcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>The first request containing <paramref name="marker"/>, and all after it, reach Redis <paramref name="hold"/> late.</summary>
    public void HoldRequest(string marker, TimeSpan hold) => Arm(marker, hold, holdReplies: false);

    /// <summary>The first request containing <paramref name="marker"/> goes through; the replies after it wait <paramref name="hold"/>.</summary>
    public void HoldRepliesAfter(string marker, TimeSpan hold) => Arm(marker, hold, holdReplies: true);

    private void Arm(string marker, TimeSpan hold, bool holdReplies)
    {
        _hold = hold;
        _holdReplies = holdReplies;
        Volatile.Write(ref _marker, marker);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client, server;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
                server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (Exception) { return; } // stopped
            lock (_sockets) _sockets.AddRange([client, server]);
            _ = PumpAsync(client.GetStream(), server.GetStream(), requests: true);
            _ = PumpAsync(server.GetStream(), client.GetStream(), requests: false);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool requests)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0) return;
                if (requests) await OnRequestAsync(Encoding.Latin1.GetString(buffer, 0, read));
                else if (Interlocked.Read(ref _repliesHeldUntil) - Environment.TickCount64 is var wait and > 0)
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), _stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception) { } // a side closed or the proxy stopped
    }

    private async Task OnRequestAsync(string request)
    {
        var marker = Volatile.Read(ref _marker);
        if (marker is null || !request.Contains(marker, StringComparison.Ordinal)) return;
        if (Interlocked.CompareExchange(ref _marker, null, marker) != marker) return;
        if (_holdReplies) Interlocked.Exchange(ref _repliesHeldUntil, Environment.TickCount64 + (long)_hold.TotalMilliseconds);
        else await Task.Delay(_hold, _stop.Token);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_sockets) _sockets.ForEach(s => s.Dispose());
        _stop.Dispose();
    }
}
