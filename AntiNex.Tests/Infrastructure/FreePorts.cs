using System.Net;
using System.Net.Sockets;

namespace AntiNex.Tests.Infrastructure;

/// <summary>
/// Free loopback ports for the servers tests start (redis-server, node processes, in-process actor systems, HTTP
/// listeners). A port is held bound by a <see cref="PortReservation"/> until the moment its server binds it, is never
/// handed out twice in one test run, and <see cref="StartAsync{T}"/> starts again on another port when another process
/// took it in between.
/// </summary>
public static class FreePorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A free port, kept bound until <see cref="PortReservation.Release"/> (call it right before the server binds).</summary>
    public static PortReservation Reserve()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
                if (HandedOut.Add(port)) return new PortReservation(listener, port);
            listener.Stop();
        }
    }

    /// <summary>A free port for a server that binds it at once (prefer <see cref="StartAsync{T}"/>, which also retries).</summary>
    public static int Take() => Reserve().Release();

    /// <summary>Starts a server on a free port; when its bind fails (the port was taken between release and bind), starts
    /// it again on another port.</summary>
    public static async Task<T> StartAsync<T>(Func<int, Task<T>> start, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await start(Take()); }
            catch (Exception e) when (attempt < attempts && IsBindFailure(e)) { }
        }
    }

    /// <inheritdoc cref="StartAsync{T}"/>
    public static T Start<T>(Func<int, T> start, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return start(Take()); }
            catch (Exception e) when (attempt < attempts && IsBindFailure(e)) { }
        }
    }

    /// <summary>Whether <paramref name="e"/> (or an inner exception) says the address was already in use.</summary>
    public static bool IsBindFailure(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } or PortInUseException) return true;
            if (x.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) return true;
            if (x is AggregateException aggregate && aggregate.InnerExceptions.Any(IsBindFailure)) return true;
        }
        return false;
    }
}

/// <summary>A port held bound (listening, nobody accepting) so that no other socket gets it before its server starts.</summary>
public sealed class PortReservation : IDisposable
{
    private TcpListener? _listener;

    internal PortReservation(TcpListener listener, int port)
    {
        _listener = listener;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Frees the port for its server and returns it.</summary>
    public int Release()
    {
        Interlocked.Exchange(ref _listener, null)?.Stop();
        return Port;
    }

    public void Dispose() => Release();
}

/// <summary>A server reported that its port was taken: start it again on another one.</summary>
public sealed class PortInUseException(int port, string detail) : Exception($"port {port} is already in use: {detail}");
