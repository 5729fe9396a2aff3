// A gateway process's connection to the cluster: an Akka.Hosting host joined with role "gateway" (shard-region
// proxy only), and the operations the console, the queue consumer and the benchmark use.
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using AntiNex.Cluster;
using AntiNex.Cluster.Security;
using AntiNex.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AntiNex.Gateway.Cluster;

public sealed record GatewayOptions
{
    public IReadOnlyList<string> Seeds { get; init; } = [];
    public string Hostname { get; init; } = "127.0.0.1";
    public int Port { get; init; }
    public static readonly TimeSpan DefaultJoinTimeout = TimeSpan.FromSeconds(30);
    public TimeSpan JoinTimeout { get; init; } = DefaultJoinTimeout;
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;
    /// <summary>This gateway's certificate files (mutual TLS, the default), or Insecure for a plaintext cluster.</summary>
    public ClusterTlsSettings Tls { get; init; } = ClusterTlsSettings.From(ClusterTlsSettings.FromEnvironment);
    /// <summary>Failure detection and downing; null: from the <c>ANTINEX_*</c> variables, as the nodes read them.</summary>
    public FailureDetection? Failure { get; init; }
}

public sealed class GatewayClient : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayClient(IHost host, ActorSystem system, IActorRef region, IActorRef gateway, CopyTable copies)
    {
        Copies = copies;
        _hedged = new HedgedPredict(region, copies, HedgeOptions.FromEnvironment());
        Frame = FrameBudget.Of(system);
        _chunked = new ChunkedRows(_hedged.SendAsync, Frame);
        _coalescer = new RowCoalescer(_hedged.SendAsync, new CoalesceOptions(), Frame);
        _host = host;
        System = system;
        Region = region;
        Gateway = gateway;
    }

    public ActorSystem System { get; }
    public IActorRef Region { get; }
    internal IActorRef Gateway { get; }
    /// <summary>Where each label's copies are (writer, replicas, versions), kept current from the nodes' reports.</summary>
    public CopyTable Copies { get; }
    private readonly HedgedPredict _hedged;
    private readonly ChunkedRows _chunked;
    private readonly RowCoalescer _coalescer;

    /// <summary>What one remote message may carry (from akka.remote.dot-netty.tcp.maximum-frame-size).</summary>
    public FrameBudget Frame { get; }

    /// <summary>Coalesce concurrent small raw-row predicts per label into one message (dynamic batching; off by default).</summary>
    public bool Coalesce { get; set; } = CoalesceDefault;

    /// <summary>Off unless ANTINEX_COALESCE=1: measured, it did not beat the entity's own mailbox batching (see README).</summary>
    public static bool CoalesceDefault => Environment.GetEnvironmentVariable("ANTINEX_COALESCE") is "1" or "on" or "true";


    /// <summary>Joins the cluster as a gateway member; throws TimeoutException when no seed answers in time.</summary>
    public static async Task<GatewayClient> ConnectAsync(GatewayOptions options, CancellationToken ct = default)
    {
        if (options.Seeds.Count == 0) throw new ArgumentException("at least one --seed-node is needed to reach the cluster");
        if (options.Port is < 0 or > 65535) throw new ArgumentException($"--port: {options.Port} is not a port (0-65535; 0 = any free port)");
        // A blank host name would bind every interface: the default is loopback, never "any".
        if (string.IsNullOrWhiteSpace(options.Hostname))
            throw new ArgumentException("--hostname: blank; give the address this gateway listens on (leave the option out for 127.0.0.1)");
        // Checked before anything starts: a missing, expired or keyless certificate is a usage error, not a timeout.
        var tls = options.Tls.Insecure ? null : ClusterCredentials.Load(options.Tls);
        if (tls is null)
            Console.Error.WriteLine("antinex-gateway: WARNING --insecure: plaintext akka.tcp without authentication; " +
                                    "a cluster with mutual TLS (the default) refuses this gateway");
        var copies = new CopyTable();
        var failure = options.Failure ?? FailureFromEnvironment(); // refused before anything starts
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; }).SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // The console logger writes to stdout; keep stdout for results (tables/JSON): route logs to stderr.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddAkka(AntiNexClusterOptions.SystemName, (akka, _) =>
        {
            // A console user wants results, not remoting chatter: the gateway logs at error level unless --verbose.
            akka.WithAntiNexLogging(options.LogLevel);
            akka.WithAntiNexCluster(new AntiNexClusterOptions
            {
                Hostname = options.Hostname,
                Port = options.Port,
                Seeds = options.Seeds,
                Roles = [AntiNexRoles.Gateway],
                Tls = tls,
                Failure = failure,
            });
            akka.WithModelShardProxy();
            akka.WithActors((system, registry) =>
            {
                registry.Register<GatewayActor>(system.ActorOf(GatewayActor.Props(registry.Get<ModelRegion>()), GatewayActor.Name));
                system.ActorOf(CopyWatcher.Props(copies), CopyWatcher.Name);
            });
        });
        var host = builder.Build();
        // Whatever stops the join (no seed answers, Ctrl-C, a port already taken), the half-started connection is stopped.
        try
        {
            await host.StartAsync(ct);
            var system = host.Services.GetRequiredService<ActorSystem>();
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
            await up.Task.WaitAsync(options.JoinTimeout, ct);
            return new GatewayClient(host, system, registry.Get<ModelRegion>(), registry.Get<GatewayActor>(), copies);
        }
        catch (TimeoutException)
        {
            await StopHost(host);
            throw new TimeoutException(
                $"could not join the cluster through [{string.Join(", ", options.Seeds)}] within {options.JoinTimeout.TotalSeconds:F0} s");
        }
        catch
        {
            await StopHost(host);
            throw;
        }
    }

    /// <summary>The failure settings from the <c>ANTINEX_*</c> variables, read as the nodes read them (their configuration
    /// ignores the case of a name).</summary>
    private static FailureDetection FailureFromEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables()) variables.TryAdd((string)e.Key, (string?)e.Value);
        return FailureDetection.FromVariables(name => variables.GetValueOrDefault(name));
    }

    private RequestOrigin? _origin;

    /// <summary>Who this gateway's mutating commands come from, for the audit trail: its certificate subject, the
    /// console on this host and process unless a front end (queue consumer, HTTP API) says otherwise.</summary>
    public RequestOrigin Origin
    {
        get => _origin ??= new(Subject: ClusterIdentity.Get(System).Subject, Via: "console",
            Client: $"{Environment.MachineName} pid {Environment.ProcessId}");
        set => _origin = value;
    }

    /// <summary>Sends a model command through a gateway session; returns the final reply (a reply record or ModelFailed).
    /// <paramref name="timeout"/> is a total deadline. Cancelling <paramref name="ct"/> (Ctrl-C) ends the session: the
    /// entity sees its caller gone and cancels the work it was doing for it.</summary>
    public Task<object> SendAsync(Func<IActorRef, IModelCommand> command, TimeSpan timeout, Action<object>? onProgress = null,
        bool resend = false, CancellationToken ct = default)
    {
        // A message to a stopped gateway actor is a dead letter: without this the caller would wait forever.
        if (Stopping) return Task.FromException<object>(new ClusterUnavailableException(StoppedText));
        var reply = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        Gateway.Tell(new GatewayRequest(command, onProgress, reply, timeout, resend, ct));
        return ObserveAsync(reply.Task);
    }

    /// <summary>True once this member's actor system is shutting down: the process is stopping, or the cluster downed
    /// this gateway (it then cannot join again; <c>serve</c> exits so that a supervisor starts it anew).</summary>
    public bool Stopping => System.WhenTerminated.IsCompleted || CoordinatedShutdown.Get(System).ShutdownReason is not null;

    /// <summary>Runs <paramref name="action"/> once this member's actor system has terminated (at once if it has).</summary>
    public void WhenStopped(Action action)
    {
        try { System.RegisterOnTermination(action); }
        catch (InvalidOperationException) { action(); } // terminated already
    }

    /// <summary>Runs <paramref name="action"/> as soon as this member begins to stop (the first phase of its coordinated
    /// shutdown, e.g. when the cluster downs it), before it leaves; at once if it is stopping already.</summary>
    public void WhenStopping(Action action)
    {
        CoordinatedShutdown.Get(System).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "antinex-gateway-stopping", () =>
        {
            action();
            return Task.FromResult(Akka.Done.Instance);
        });
        if (Stopping) action(); // began before the task was added: it may never run
    }

    /// <summary>True when the cluster ended this member's membership (downed it, or made it leave); false while it is a
    /// member, and when its own process stops it (a signal, a dispose).</summary>
    public bool RemovedByCluster => RemovalText is not null;

    /// <summary>How the cluster ended this member's membership, in words; null unless <see cref="RemovedByCluster"/>.</summary>
    public string? RemovalText => CoordinatedShutdown.Get(System).ShutdownReason switch
    {
        // Said from this gateway's side: it is the one that lost the others (the nodes died, or this process stalled).
        CoordinatedShutdown.ClusterDowningReason => "this gateway lost contact with the cluster's other members for longer than " +
                                                    "the failure detector and stable-after allow, and split-brain resolution " +
                                                    "removed it; it cannot join again as the same member, so it exits for a " +
                                                    "supervisor to start it anew",
        CoordinatedShutdown.ClusterLeavingReason => "this gateway was made to leave the cluster",
        _ => null,
    };

    internal const string StoppedText = "this gateway is no longer a member of the cluster (it is stopping, or the cluster downed it)";

    private async Task<object> ObserveAsync(Task<object> reply) => Observed(await reply.ConfigureAwait(false));

    /// <summary>A trained reply names the version serving from now on: no older copy answers through this gateway after it.</summary>
    private object Observed(object reply)
    {
        switch (reply)
        {
            case ModelTrainedReply t: Copies.Announced(t.Label, t.Version); break; // a retrain after a forget lifts its tombstone
            case ModelForgotten f: Copies.Forget(f.Label); break;
        }
        return reply;
    }

    /// <summary>Trains the label; the entity cancels the training when <paramref name="timeout"/> has passed (it travels
    /// as an absolute deadline) or when this gateway is gone, unless <paramref name="outlivesCaller"/> (the HTTP service's
    /// jobs, re-sent under their id after a restart). <paramref name="origin"/> replaces <see cref="Origin"/> for this one
    /// request (search retrain, queue).</summary>
    public Task<object> TrainAsync(string modelId, string json, TimeSpan timeout, Action<object>? onProgress = null, string? requestId = null,
        CancellationToken ct = default, RequestOrigin? origin = null, bool outlivesCaller = false)
    {
        // Every train carries an id: a training its node did not finish runs again on the next holder, once.
        var id = requestId ?? $"train-{Guid.NewGuid():N}";
        return Frame.CheckJson(modelId, json, "train request (put large data in a dataset file on the nodes' data roots)", id) is { } tooLarge
            ? Task.FromResult<object>(tooLarge)
            // Re-sent until the entity acknowledges it (a train sent to a node that just died is lost): the id makes a
            // re-send join the same training.
            : SendAsync(me => new TrainModel(modelId, json, me, id, origin ?? Origin, DateTimeOffset.UtcNow + timeout, outlivesCaller), timeout,
                onProgress, resend: true, ct: ct);
    }

    /// <summary>A label with read replicas: hedged over its copies. Without: one session with the writer, which may
    /// train first (a never-trained label and a dataset) and reports progress.
    /// A request too large for one message is predicted through the binary row path when it carries predict_rows
    /// (<see cref="BulkJsonPredict"/>), and refused at once otherwise. Cancelling <paramref name="ct"/> stops a large
    /// request's pieces not yet sent and, with <paramref name="sessionFollowsCancel"/>, ends the session of a small one (the
    /// console's Ctrl-C: a training this predict started for an untrained label is cancelled with it). The HTTP service
    /// passes false: a client that disconnects must not cancel a training other callers may be waiting on.
    /// <paramref name="mayTrain"/> says whether the caller may train the label first (the HTTP service: its key's train
    /// scope); <paramref name="origin"/> replaces <see cref="Origin"/> as who asked.</summary>
    public Task<object> PredictAsync(string modelId, string json, TimeSpan timeout, Action<object>? onProgress = null, string? requestId = null,
        CancellationToken ct = default, bool sessionFollowsCancel = true, RequestOrigin? origin = null, bool mayTrain = true)
        => Frame.CheckJson(modelId, json, "predict request", requestId) is { } tooLarge
            ? BulkJsonPredict.Applies(json)
                ? BulkJsonPredict.RunAsync(this, modelId, json, timeout, requestId, RowsProgress(modelId, onProgress), ct)
                : Task.FromResult<object>(tooLarge)
            : Copies.Current(modelId).Count > 0
            ? _hedged.SendAsync(new PredictModel(modelId, json, null, requestId, DateTimeOffset.UtcNow + timeout, origin ?? Origin, mayTrain),
                timeout)
            : SendAsync(me => new PredictModel(modelId, json, me, requestId, DateTimeOffset.UtcNow + timeout, origin ?? Origin, mayTrain),
                timeout, onProgress, resend: true, ct: sessionFollowsCancel ? ct : default);

    /// <summary>Raw rows, hedged over the label's copies (the writer and its replicas): see <see cref="HedgedPredict"/>.</summary>
    public Task<object> PredictRowsAsync(string modelId, double[][] rows, TimeSpan timeout)
        => PredictRowsAsync(new PredictRawRows(modelId, rows), timeout);

    /// <summary>A float32 row block of any size: small ones may be coalesced with other callers' (<see cref="RowCoalescer"/>),
    /// large ones are cut to fit the remote frame (<see cref="ChunkedRows"/>); every message is hedged over the label's
    /// copies. <paramref name="progress"/> hears the rows answered so far, piece by piece; once <paramref name="ct"/> is
    /// cancelled a large block sends no further piece.</summary>
    public Task<object> PredictRowsAsync(PredictRawRows block, TimeSpan timeout, Action<int>? progress = null, CancellationToken ct = default)
        => Coalesce && progress is null && _coalescer.Takes(block)
            ? _coalescer.SendAsync(block, timeout, ct)
            : _chunked.SendAsync(block, timeout, progress, ct);

    /// <summary>One predict request of a streamed block of rows (it fits one message), asked of the writer directly: a gateway
    /// session re-sends a slow predict every few seconds, and a large block would then be computed again and again. Its answer
    /// counts the values its model never held (<see cref="Predicted.Unseen"/>), for the caller to add up over the blocks.</summary>
    public async Task<object> PredictBlockAsync(string modelId, string json, TimeSpan timeout)
    {
        if (Frame.CheckJson(modelId, json, "block of rows", null) is { } tooLarge) return tooLarge;
        var block = new PredictModel(modelId, json, null, null, DateTimeOffset.UtcNow + timeout, CountUnseen: true);
        try { return await Region.Ask<object>(block, timeout); }
        catch (AskTimeoutException ex) { return ModelFailed.Of(modelId, "timeout", $"a block of rows got no answer in time: {ex.Message}"); }
    }

    private static Action<int>? RowsProgress(string modelId, Action<object>? onProgress)
    {
        if (onProgress is null) return null;
        long done = 0;
        return rows => onProgress(new RowsProgressed(modelId, Interlocked.Add(ref done, rows)));
    }

    public Task<object> DescribeAsync(string modelId, TimeSpan timeout)
        => SendAsync(_ => new DescribeModel(modelId), timeout, resend: true);

    public Task<object> ForgetAsync(string modelId, TimeSpan timeout, RequestOrigin? origin = null)
        => ObserveAsync(Region.Ask<object>(new ForgetModel(modelId, origin ?? Origin), timeout));

    /// <summary>Cancels the label's queued and running trainings, or only the one submitted under request id
    /// <paramref name="training"/>; replies <see cref="TrainingCancelled"/>.</summary>
    public Task<object> CancelAsync(string modelId, TimeSpan timeout, string? training = null, RequestOrigin? origin = null)
        => Region.Ask<object>(training is null ? new CancelTraining(modelId, origin ?? Origin)
            : new CancelOneTraining(modelId, training, origin ?? Origin), timeout);

    /// <summary>Every stored model, described by its entity (asks one model node's directory).</summary>
    public async Task<ModelList> ModelsAsync(TimeSpan timeout)
    {
        var state = Akka.Cluster.Cluster.Get(System).State;
        var members = state.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole(AntiNexRoles.Model)).ToList();
        if (members.Count == 0) throw new ClusterUnavailableException("no model node is Up in the cluster");
        Exception? last = null;
        foreach (var member in ReachableFirst(members, state.Unreachable.Contains, Random.Shared))
        {
            try
            {
                var directory = System.ActorSelection(new RootActorPath(member.Address) / "user" / ModelDirectory.Name);
                return await ListAllAsync(directory, timeout);
            }
            catch (Exception ex) { last = ex; }
        }
        throw new ClusterUnavailableException($"no model directory answered: {last?.Message}", last);
    }

    /// <summary>The order nodes are asked in: reachable ones first, each group shuffled to spread the load. A node that
    /// just died stays Up until it is removed; asked first, it would hold a listing for the whole timeout.</summary>
    internal static IEnumerable<T> ReachableFirst<T>(IEnumerable<T> members, Func<T, bool> unreachable, Random random)
        => members.Select(m => (Member: m, Key: random.Next())).OrderBy(m => unreachable(m.Member)).ThenBy(m => m.Key).Select(m => m.Member);

    /// <summary>Labels listed per reply: keeps each reply well under the remote frame size, however many labels there are.</summary>
    public const int ModelsPerPage = 2000;

    private static async Task<ModelList> ListAllAsync(ActorSelection directory, TimeSpan timeout)
    {
        var models = new List<ModelDescription>();
        var unreachable = new List<string>();
        string? after = null;
        do
        {
            var page = await directory.Ask<ModelList>(new ListModels { After = after, Limit = ModelsPerPage }, timeout);
            models.AddRange(page.Models);
            unreachable.AddRange(page.Unreachable);
            after = page.Next;
        } while (after is not null);
        return new ModelList(models, unreachable);
    }

    public async Task<ClusterStatus> StatusAsync(TimeSpan timeout)
    {
        var cluster = Akka.Cluster.Cluster.Get(System);
        var state = cluster.State;
        // Each model member's region is asked directly: GetClusterShardingStats keys the coordinator's own region by a
        // local (host-less) address, which cannot be matched to a member.
        var errors = new List<string>();
        var asks = state.Members.Where(m => m.HasRole(AntiNexRoles.Model) && !state.Unreachable.Contains(m)).Select(async m =>
        {
            try
            {
                var region = System.ActorSelection(new RootActorPath(m.Address) / "system" / "sharding" / AntiNexClusterOptions.RegionName);
                return (m.Address, Stats: (ShardRegionStats?)await region.Ask<ShardRegionStats>(GetShardRegionStats.Instance, timeout));
            }
            catch (Exception ex)
            {
                lock (errors) errors.Add($"{m.Address}: {ex.Message}");
                return (m.Address, Stats: (ShardRegionStats?)null);
            }
        });
        var stats = (await Task.WhenAll(asks)).ToDictionary(x => x.Address, x => x.Stats);
        var members = state.Members.OrderBy(m => m.Address.ToString()).Select(m =>
        {
            var regionStats = stats.GetValueOrDefault(m.Address);
            return new MemberStatusRow(m.Address.ToString(), m.Roles.Order().ToList(), m.Status.ToString(),
                state.Unreachable.Contains(m), state.Leader == m.Address,
                regionStats?.Stats.Count ?? 0, regionStats?.Stats.Values.Sum() ?? 0, regionStats?.Failed.Count ?? 0);
        }).ToList();
        return new ClusterStatus(cluster.SelfAddress.ToString(), members, errors.Count == 0 ? null : string.Join("; ", errors));
    }

    public async ValueTask DisposeAsync() => await StopHost(_host);

    private static async Task StopHost(IHost host)
    {
        // Leaves the cluster (CoordinatedShutdown) so nodes do not wait for SBR to down a vanished gateway.
        try { await host.StopAsync(TimeSpan.FromSeconds(15)); }
        catch (Exception) { /* best effort on exit */ }
        host.Dispose();
    }
}

public sealed record MemberStatusRow(string Address, IReadOnlyList<string> Roles, string Status, bool Unreachable, bool Leader,
    int Shards, int Entities, int FailedShards);

public sealed record ClusterStatus(string Self, IReadOnlyList<MemberStatusRow> Members, string? ShardStatsError);
