// Liveness and readiness over plain HTTP (GET /health/live, /health/ready), for orchestrators and the test harness.
// Ready = this member is Up in the cluster, the model shard region runs, and Redis (when configured) answers PING.
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AntiNex.Node;

public sealed class HealthEndpoint(NodeSettings settings, ActorSystem system, IConnectionMultiplexer? redis,
    ILogger<HealthEndpoint> log) : BackgroundService
{
    // A plain TcpListener speaking minimal HTTP/1.0: System.Net.HttpListener's managed Linux implementation crashed the
    // process (ArgumentNullException in HttpEndPointListener.ProcessAccept) when probed during start-up.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.HealthPort == 0) return;
        var listener = new TcpListener(IPAddress.Any, settings.HealthPort);
        listener.Start();
        log.LogInformation("health endpoint on http://{Host}:{Port}/health/ready", settings.Hostname, settings.HealthPort);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken);
                _ = Task.Run(() => Answer(client), stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
        finally { listener.Stop(); }
    }

    private async Task Answer(TcpClient client)
    {
        using (client)
        {
            try
            {
                client.ReceiveTimeout = 2000;
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(2)) ?? "";
                var parts = requestLine.Split(' ');
                var path = parts.Length > 1 ? parts[1] : "/";
                var (ok, body) = path switch
                {
                    "/health/live" => (!system.WhenTerminated.IsCompleted, system.WhenTerminated.IsCompleted ? "terminated" : "alive"),
                    "/health/ready" => await Readiness(),
                    _ => (false, "unknown path: use /health/live or /health/ready"),
                };
                var status = ok ? "200 OK" : path.StartsWith("/health/") ? "503 Service Unavailable" : "404 Not Found";
                var payload = Encoding.UTF8.GetBytes(body + "\n");
                var head = Encoding.ASCII.GetBytes(
                    $"HTTP/1.0 {status}\r\nContent-Type: text/plain\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head);
                await stream.WriteAsync(payload);
            }
            catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or ObjectDisposedException)
            {
                // a probe that hung up or sent nothing: nothing to answer
            }
        }
    }

    private async Task<(bool, string)> Readiness()
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var status = cluster.SelfMember.Status;
        if (status != Akka.Cluster.MemberStatus.Up) return (false, $"member {status}");
        if (redis is not null)
        {
            try { await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2)); }
            catch (Exception ex) { return (false, $"redis unreachable: {ex.Message}"); }
        }
        return (true, $"ready {cluster.SelfAddress}");
    }
}
