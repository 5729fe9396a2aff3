using Akka.Actor;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using AntiNex.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AntiNex.Tests.Cluster;

/// <summary>The multi-process cluster tests run one at a time (they share 2 cores with everything else).</summary>
[CollectionDefinition("cluster-processes", DisableParallelization = true)]
public sealed class ClusterProcessesCollection;

/// <summary>A redis-server, generated data and node processes for one test; everything is killed and removed after.</summary>
public abstract class ClusterTestBase : IAsyncLifetime
{
    protected static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(4);
    protected static readonly TimeSpan Ready = TimeSpan.FromSeconds(90);
    protected static readonly TimeSpan TrainTimeout = TimeSpan.FromMinutes(4);
    protected static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The writer's answer, asked again when none comes: a shard the coordinator hands off to the restarted node
    /// drops the messages it buffered meanwhile (Akka does, to keep their order), so one ask may go unanswered.</summary>
    protected static async Task<object> WriterAnswer(IActorRef region, object predict)
    {
        var deadline = DateTime.UtcNow + AskTimeout;
        while (true)
        {
            try { return await region.Ask<object>(predict, TimeSpan.FromSeconds(5)); }
            catch (AskTimeoutException) when (DateTime.UtcNow < deadline) { }
        }
    }

    private readonly ITestOutputHelper _output;
    private readonly List<NodeProcess> _nodes = [];
    private readonly List<GatewayClient> _gateways = [];
    private readonly Dictionary<int, PortReservation> _seedPorts;
    private bool _failed = true;

    protected ClusterTestBase(ITestOutputHelper output)
    {
        _output = output;
        Log = new StepLog(output);
        WorkDir = Path.Combine(Path.GetTempPath(), "antinex-cluster-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(WorkDir);
        Data = new TestData(Directory.CreateDirectory(Path.Combine(WorkDir, "data")).FullName);
        // The seed ports stay bound until their node starts: nothing else on the machine can take them meanwhile.
        _seedPorts = Enumerable.Range(0, 3).Select(_ => FreePorts.Reserve()).ToDictionary(r => r.Port);
        SeedPorts = [.. _seedPorts.Keys];
    }

    protected StepLog Log { get; }
    protected string WorkDir { get; }
    protected TestData Data { get; }
    protected RedisServer Redis { get; private set; } = null!;
    protected int[] SeedPorts { get; }
    protected IEnumerable<string> Seeds => SeedPorts.Select(p => $"akka.tcp://antinex@127.0.0.1:{p}");
    protected IReadOnlyList<NodeProcess> Nodes => _nodes;

    public Task InitializeAsync()
    {
        Redis = StartRedis();
        return Task.CompletedTask;
    }

    protected virtual RedisServer StartRedis() => RedisServer.Start(aof: true);

    protected NodeProcess StartNode(int port, params string[] extra) => StartNodeWithSeeds(port, Seeds, extra);

    /// <summary>Seed port <paramref name="index"/>, its reservation released, for a node a test starts itself.</summary>
    protected int ReleaseSeedPort(int index)
    {
        var port = SeedPorts[index];
        if (_seedPorts.Remove(port, out var reserved)) reserved.Release();
        return port;
    }

    /// <summary>A node bound to <paramref name="host"/>, started through <paramref name="wrapper"/> (a network namespace).</summary>
    protected NodeProcess StartNodeOn(string host, string[] wrapper, int port, IEnumerable<string> seeds, string redis, params string[] extra)
    {
        if (_seedPorts.Remove(port, out var reserved)) reserved.Release();
        var node = NodeProcess.StartOn(host, wrapper, WorkDir, port, seeds, redis, Data.Root, StableAfter, extra);
        _nodes.Add(node);
        return node;
    }

    protected NodeProcess StartNodeWithSeeds(int port, IEnumerable<string> seeds, params string[] extra)
    {
        if (_seedPorts.Remove(port, out var reserved)) reserved.Release();
        var node = NodeProcess.Start(WorkDir, port, seeds, Redis.ConnectionString, Data.Root, StableAfter, extra);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Starts the three seed nodes together and waits until each is Up and sees Redis.</summary>
    protected async Task<NodeProcess[]> StartThreeNodesAsync(params string[] extra)
    {
        var nodes = SeedPorts.Select(p => StartNode(p, extra)).ToArray();
        await Task.WhenAll(nodes.Select(n => n.WaitReadyAsync(Ready)));
        Log.Step($"3 nodes ready: {string.Join(", ", nodes.Select(n => n.Name))}");
        return nodes;
    }

    protected async Task<GatewayClient> ConnectGatewayAsync()
    {
        var client = await GatewayClient.ConnectAsync(new GatewayOptions
        {
            Seeds = Seeds.ToList(), JoinTimeout = TimeSpan.FromSeconds(60), Tls = TestPki.Gateway.Settings,
        });
        _gateways.Add(client);
        return client;
    }

    /// <summary>A gateway that is its own seed: a cluster without any model node, where every request misses its deadline.</summary>
    protected static Task<GatewayClient> StartLoneGatewayAsync() => FreePorts.StartAsync(port => GatewayClient.ConnectAsync(new GatewayOptions
    {
        Seeds = [$"akka.tcp://antinex@127.0.0.1:{port}"], Port = port, JoinTimeout = TimeSpan.FromSeconds(60), Tls = TestPki.Gateway.Settings,
    }));

    protected async Task DisconnectAsync(GatewayClient client)
    {
        _gateways.Remove(client);
        await client.DisposeAsync();
    }

    protected NodeProcess NodeNamed(string name) => _nodes.Last(n => n.Name == name && !n.HasExited);

    protected async Task<ModelTrainedReply> TrainAsync(GatewayClient gateway, string label, int epochs = 3)
    {
        var reply = await gateway.TrainAsync(ModelIds.FromLabel(label), Data.TrainJson(label, epochs), TrainTimeout);
        return reply as ModelTrainedReply ?? throw new Xunit.Sdk.XunitException($"train {label}: {reply}");
    }

    protected async Task<Predicted> PredictAsync(GatewayClient gateway, string label)
    {
        var reply = await gateway.PredictAsync(ModelIds.FromLabel(label), Data.PredictJson(label), AskTimeout);
        return reply as Predicted ?? throw new Xunit.Sdk.XunitException($"predict {label}: {Describe(reply)}");
    }

    /// <summary>A replica of the label serving at least the version, as the gateway's copy table sees it.</summary>
    protected static async Task<ReplicaCopy> WaitForReplicaAsync(GatewayClient gateway, string id, long version)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var copy = gateway.Copies.Current(id).FirstOrDefault(c => c.Version >= version);
            if (copy is not null) return copy;
            await Task.Delay(250);
        }
        throw new Xunit.Sdk.XunitException($"no replica of {id} at version {version} within 60 s");
    }

    protected static string Describe(object reply) => reply is ModelFailed f
        ? $"{f.Code}: {f.Message} [{string.Join("; ", f.Issues)}]"
        : reply.ToString() ?? "null";

    /// <summary>Call at the very end of a test body: logs of passing tests are not dumped.</summary>
    protected void Passed() => _failed = false;

    public async Task DisposeAsync()
    {
        foreach (var g in _gateways.ToList())
        {
            try { await g.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)); } catch (Exception) { }
        }
        foreach (var n in _nodes)
        {
            if (_failed)
            {
                try { _output.WriteLine($"---- {n.Name} (pid {n.Pid}) log tail ----\n{n.Tail(15)}"); }
                catch (
                InvalidOperationException)
                { }
            }
            n.Dispose();
        }
        foreach (var reserved in _seedPorts.Values) reserved.Release();
        Redis?.Dispose();
        if (_failed) { try { _output.WriteLine($"node logs kept in {WorkDir}"); } catch (InvalidOperationException) { } return; }
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
