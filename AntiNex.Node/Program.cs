// antinex-node: one cluster member hosting model shards (role "model"). Generic host + Akka.Hosting; settings from
// appsettings.json, ANTINEX_* environment variables and the command line (see NodeSettings.Usage).
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using AntiNex.Audit;
using AntiNex.Cluster;
using AntiNex.Cluster.Security;
using AntiNex.Data;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Node;
using AntiNex.Node.Health;
using AntiNex.Node.Observability;
using AntiNex.Persistence.Redis;
using AntiNex.Replicas;
using AntiNex.Requests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

if (args.Length > 0 && args[0] == SignJournalCommand.Name) return await SignJournalCommand.RunAsync(args[1..]);
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(NodeSettings.Usage);
    return 0;
}

NodeSettings settings;
ClusterCredentials? tls = null;
RedisAccess? redisAccess = null;
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
// Settings come from appsettings.json, ANTINEX_* variables and the command line only: the builder's default source of
// every environment variable would read HOSTNAME (set in every container) or PORT as this node's settings.
foreach (var everyVariable in builder.Configuration.Sources.OfType<EnvironmentVariablesConfigurationSource>()
             .Where(e => string.IsNullOrEmpty(e.Prefix)).ToList())
    builder.Configuration.Sources.Remove(everyVariable);
try
{
    builder.Configuration.AddEnvironmentVariables("ANTINEX_");
    builder.Configuration.AddInMemoryCollection(NodeSettings.ParseArgs(args));
    settings = NodeSettings.From(builder.Configuration);
    EngineLimits.Current = EngineLimitsSettings.From(builder.Configuration.GetSection("EngineLimits"));
    if (!settings.Tls.Insecure) tls = ClusterCredentials.Load(settings.Tls);
    if (settings.Redis is not null) redisAccess = RedisAccess.From(settings);
}
catch (Exception ex) when (ex is ArgumentException or ClusterTlsException)
{
    Console.Error.WriteLine($"antinex-node: {ex.Message}");
    return 2;
}
IReadOnlyList<string> signingNotes;
Func<Akka.Actor.ActorSystem, IAuditLog> auditLog;
try { signingNotes = ModelSigning.Check(settings); }
catch (AntiNex.Persistence.Signing.SigningKeyException ex)
{
    Console.Error.WriteLine($"antinex-node: {ex.Message}");
    return 2;
}

builder.Logging.ClearProviders();
if (settings.LogJson) builder.Logging.AddJsonConsole();
else builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
var level = Enum.Parse<LogLevel>(settings.LogLevel, true); // checked by NodeSettings
builder.Logging.SetMinimumLevel(level);
// Akka shuts down cluster membership + shard hand-off on SIGTERM; give it time before the host gives up.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));

// One Redis connection per node, opened with the persistence plugin's own options: the journal, the snapshot store,
// the model catalog, the join guard and the readiness check all use it. Refused credentials stop the start here (a
// probe connection, closed at once); an unreachable Redis does not.
RedisPluginConnection? redis = null;
IConnectionMultiplexer? multiplexer = null;
if (redisAccess is not null)
{
    try { redisAccess.Connect().Dispose(); }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine($"antinex-node: {ex.Message}");
        return 2;
    }
    redis = RedisPluginConnection.Open(redisAccess.ConnectionString, settings.RedisPrefix, AntiNexClusterOptions.SystemName);
    multiplexer = await redis.MultiplexerAsync();
    builder.Services.AddSingleton(multiplexer);
}

var nodeName = $"{settings.PublicHostname ?? settings.Hostname}:{settings.Port}";
var runtime = new ModelRuntime(
    new DataRoots(settings.DataRoots),
    // Single-row predicts skip TorchSharp's per-call overhead (a third of a loopback predict's time); every copy of a
    // label (writer and replicas) and serve's local copies then decide a small request by the same arithmetic.
    new EngineOptions { TorchThreads = settings.TorchThreads, PlotDirectory = settings.PlotDirectory, SmallForwardsInManagedCode = true },
    new TrainingScheduler(settings.TrainingConcurrency),
    new LoadedModels(settings.MaxLoadedModels),
    redis is null ? new InMemoryModelCatalog() : RedisModelCatalog.On(redis),
    settings.PassivateAfter,
    nodeName)
{
    TrainingsInFlight = redis is null ? new InMemoryLabelSet() : new RedisLabelSet(redis.NameSet("trainings-in-flight")),
};

try
{
    auditLog = NodeAudit.Log(multiplexer is null ? null : _ => multiplexer, settings, builder.Configuration);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"antinex-node: {ex.Message}");
    return 2;
}

builder.Services.AddSingleton(settings);
try { builder.Services.AddAntiNexTelemetry(builder.Configuration); } // "Telemetry" section: console / OTLP / Prometheus
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"antinex-node: {ex.Message}");
    return 2;
}
// libtorch starts while the node joins: the first predict after a (re)start then costs milliseconds, not a second. Only
// once every setting is checked: a process that returns while libtorch loads can crash on its way out.
var warmup = Task.Run(() => AntiNex.Learning.EngineWarmup.Run(runtime.EngineOptions));
builder.Services.AddAkka(AntiNexClusterOptions.SystemName, (akka, _) =>
{
    akka.WithAntiNexLogging(level);
    akka.WithAntiNexCluster(new AntiNexClusterOptions
    {
        Hostname = settings.Hostname,
        PublicHostname = settings.PublicHostname,
        Port = settings.Port,
        Seeds = settings.Seeds,
        Roles = settings.Roles,
        Failure = settings.Failure(),
        GuardedJoin = true,
        Tls = tls,
    });
    // Seeds in the scheme of this node's transport (akka.ssl.tcp:// with TLS), as the members' own addresses are.
    akka.WithJoinGuard(multiplexer is null ? null : _ => new RedisClusterLiveness(() => Task.FromResult<IConnectionMultiplexer>(multiplexer!),
        settings.RedisPrefix),
        settings.Seeds.Select(seed => TransportScheme.Seed(seed, tls is not null)).ToList());
    NodePersistence.Configure(akka, redisAccess, settings);
    if (redis is not null) akka.WithRedisConnection(redis);
    akka.WithAntiNexAudit(auditLog);
    if (settings.Roles.Contains(AntiNexRoles.Model)) akka.WithModelShards(runtime).WithModelReplicas(runtime, settings.Replicas ?? 1);
    else akka.WithModelShardProxy();
});
builder.Services.AddHostedService(sp => new HealthServer(settings, sp.GetRequiredService<Akka.Actor.ActorSystem>(),
    sp.GetService<IConnectionMultiplexer>(), sp.GetRequiredService<ILoggerFactory>()));

var host = builder.Build();
var log = host.Services.GetRequiredService<ILogger<NodeSettings>>();
// Every start says so: a plaintext member accepts any process that reaches its port as a cluster member.
if (tls is null)
    log.LogWarning("INSECURE: --insecure given: akka.tcp is plaintext and unauthenticated; anyone who reaches port {Port} " +
                   "can join this cluster and command it. Use it only for a throw-away development cluster", settings.Port);
else
    log.LogInformation("mutual TLS on akka.tcp: this node is {Subject}; only certificates issued by {Ca} are accepted",
        tls.Subject, tls.Ca.Subject);
log.LogInformation("antinex-node {Node} roles [{Roles}] seeds [{Seeds}] persistence {Persistence} data roots [{Roots}] " +
                   "training concurrency {Concurrency} max loaded models {MaxLoaded} passivate after {Passivate}; failure detection {Failure}",
    nodeName, string.Join(",", settings.Roles), string.Join(" ", settings.Seeds), NodePersistence.Describe(redisAccess),
    string.Join(" ", runtime.DataRoots.Roots), settings.TrainingConcurrency, settings.MaxLoadedModels, settings.PassivateAfter,
    settings.Failure().Describe());
foreach (var note in signingNotes) log.Log(note.StartsWith("models are signed") ? LogLevel.Information : LogLevel.Warning, "{Note}", note);
try { await host.RunAsync(); }
catch (Exception ex) when (StartFailure.Root(ex) is ArgumentException or System.Net.Sockets.SocketException or IOException)
{
    // A port another process holds, a host name with no address: one line, not a stack trace, and a failure exit.
    var cause = StartFailure.Root(ex).Message;
    log.LogCritical("antinex-node could not start: {Error}", cause);
    Console.Error.WriteLine($"antinex-node: could not start: {cause}");
    try { await warmup.WaitAsync(TimeSpan.FromSeconds(30)); } // libtorch still loading when the process ends can crash it
    catch (Exception) { /* the exit code says what failed */ }
    return 3;
}
return 0;

/// <summary>Journal + snapshot store of the model entities: Redis when configured, else in-memory (single process only).</summary>
internal static class NodePersistence
{
    public static void Configure(AkkaConfigurationBuilder akka, RedisAccess? redis, NodeSettings settings)
    {
        if (redis is not null) akka.WithRedisPersistence(redis.ConnectionString, settings.RedisPrefix,
            snapshotOptions: o => ModelSigning.Apply(o, settings), journalOptions: o => ModelSigning.Apply(o, settings));
        else akka.WithInMemoryJournal().WithInMemorySnapshotStore();
    }

    public static string Describe(RedisAccess? redis) => redis is null ? "in-memory" : $"redis {redis.Safe}";
}

internal static class StartFailure
{
    /// <summary>The innermost cause (the actor system wraps a bind failure in several layers).</summary>
    public static Exception Root(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }
}
