// Liveness and readiness over plain HTTP (GET /health/live, /health/ready), for orchestrators and the test harness.
// Ready = this member is Up in the cluster, the model shard region runs, and Redis (when configured) answers PING.
using System.Net;
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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.HealthPort == 0) return;
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://+:{settings.HealthPort}/");
        listener.Start();
        log.LogInformation("health endpoint on http://{Host}:{Port}/health/ready", settings.Hostname, settings.HealthPort);
        await using var stopRegistration = stoppingToken.Register(() => listener.Stop());
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch when (stoppingToken.IsCancellationRequested) { return; }
            catch (HttpListenerException) { return; }
            _ = Task.Run(() => Answer(context), stoppingToken);
        }
    }

    private async Task Answer(HttpListenerContext context)
    {
        var path = context.Request.Url?.AbsolutePath ?? "/";
        var (ok, body) = path switch
        {
            "/health/live" => (!system.WhenTerminated.IsCompleted, system.WhenTerminated.IsCompleted ? "terminated" : "alive"),
            "/health/ready" => await Readiness(),
            _ => (false, "unknown path: use /health/live or /health/ready"),
        };
        context.Response.StatusCode = ok ? 200 : path.StartsWith("/health/") ? 503 : 404;
        var bytes = Encoding.UTF8.GetBytes(body + "\n");
        context.Response.ContentType = "text/plain";
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
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
