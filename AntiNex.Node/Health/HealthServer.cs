// /health/live and /health/ready for orchestrators, scripts and tests: ASP.NET Core health checks on a small Kestrel
// server bound to the node's --hostname (loopback by default), never to every interface unless --hostname asks it.
using System.Net;
using System.Text;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AntiNex.Node.Health;

public sealed class HealthServer(NodeSettings settings, ActorSystem system, IConnectionMultiplexer? redis, ILoggerFactory logs)
    : IHostedService, IAsyncDisposable
{
    public const string Live = "live", Ready = "ready";
    private WebApplication? _app;
    private readonly StallWatch _stalls = new();
    private volatile bool _stopping;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.HealthPort == 0) return;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "antinex-node-health" });
        // Probes come every few seconds: the health server's own request logs would drown the node's log.
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var address in BindAddresses(settings.Hostname)) kestrel.Listen(address, settings.HealthPort);
        });
        var checks = builder.Services.AddHealthChecks()
            .AddCheck("actor-system", new ActorSystemLiveness(system), tags: [Live])
            .AddCheck("cluster-membership", new ClusterMembershipReadiness(system, _stalls, settings.Failure().Strategy), tags: [Ready])
            .AddCheck("stopping", () => _stopping ? HealthCheckResult.Unhealthy("the node is leaving the cluster (stopping)")
                : HealthCheckResult.Healthy("running"), tags: [Ready]);
        if (redis is not null) checks.AddCheck("redis", new RedisReadiness(redis, settings.RedisPrefix), tags: [Ready]);
        _app = builder.Build();
        _app.MapHealthChecks("/health/live", Options(Live));
        _app.MapHealthChecks("/health/ready", Options(Ready));
        _app.MapFallback(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return context.Response.WriteAsync("unknown path: use /health/live or /health/ready\n");
        });
        await _app.StartAsync(cancellationToken);
        logs.CreateLogger<HealthServer>().LogInformation("health endpoint on http://{Host}:{Port}/health/ready",
            settings.Hostname, settings.HealthPort);
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        ResponseWriter = WritePlainText,
    };

    /// <summary>One line per check: "ready" or "not ready", then each check's own description (plain text for curl).</summary>
    private static Task WritePlainText(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new StringBuilder(report.Status == HealthStatus.Healthy ? "ok" : "not ok").Append('\n');
        foreach (var (name, entry) in report.Entries)
            text.Append(name).Append(": ").Append(entry.Status == HealthStatus.Healthy ? "ok" : "FAIL").Append(" - ")
                .Append(entry.Description).Append('\n');
        return context.Response.WriteAsync(text.ToString());
    }

    /// <summary>The node's own host: an IP as is; "localhost" = loopback; a name resolves to its addresses.</summary>
    internal static IReadOnlyList<IPAddress> BindAddresses(string host)
    {
        if (string.IsNullOrWhiteSpace(host)) throw new ArgumentException("Hostname: blank (it would bind every interface)");
        if (IPAddress.TryParse(host, out var ip)) return [ip];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return [IPAddress.Loopback];
        var v4 = Dns.GetHostAddresses(host).Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).Distinct().ToList();
        // None: Kestrel would fall back to its own default addresses, not the member's.
        return v4.Count > 0 ? v4 : throw new ArgumentException($"Hostname: '{host}' has no IPv4 address for the health endpoint");
    }

    /// <summary>Stopped before the actor system (hosted services stop in reverse order): it answers "not ready" and leaves
    /// the cluster first, so probes see the hand-off instead of a refused connection; the actor system's own hosted
    /// service then finds the coordinated shutdown done.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (_app is null) return;
        try
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) { }
        await _app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _stalls.Dispose();
        if (_app is not null) await _app.DisposeAsync();
    }
}
