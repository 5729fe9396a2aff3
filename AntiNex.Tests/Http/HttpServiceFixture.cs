// One real cluster for the HTTP tests: a redis-server, a node process, a `serve` process with a key file made by
// `serve keys add`, and a model trained through the console path. Shared by the tests of one class (minutes to build).
using System.Net.Http.Headers;
using AntiNex.Gateway.Cluster;
using AntiNex.Models;
using AntiNex.Tests.Cluster;
using AntiNex.Tests.Infrastructure;

namespace AntiNex.Tests.Http;

public sealed class HttpServiceFixture : IAsyncLifetime
{
    public const string Model = "web-model";
    public const long MaxBodyBytes = 1024 * 1024;

    private readonly Dictionary<string, string> _secrets = [];
    private NodeProcess? _node;

    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), "antinex-http-" + Guid.NewGuid().ToString("N")[..10]);
    public TestData Data { get; private set; } = null!;
    public RedisServer Redis { get; private set; } = null!;
    public ServeProcess Serve { get; private set; } = null!;
    public GatewayClient Gateway { get; private set; } = null!;
    public string Seed => _node!.Address;
    public string KeysFile => Path.Combine(WorkDir, "keys.json");
    public IReadOnlyList<string> InputFeatures { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkDir);
        Data = new TestData(Directory.CreateDirectory(Path.Combine(WorkDir, "data")).FullName);
        Redis = RedisServer.Start(aof: true);
        var port = FreePorts.Take();
        _node = NodeProcess.Start(WorkDir, port, [$"akka.tcp://antinex@127.0.0.1:{port}"], Redis.ConnectionString, Data.Root,
            TimeSpan.FromSeconds(3));
        var keysFile = KeysFile;
        await AddKeyAsync(keysFile, "admin", "predict,read,train,admin", "*");
        await AddKeyAsync(keysFile, "web", "predict,read", "web-*");
        await AddKeyAsync(keysFile, "reader", "read", "*");
        await AddKeyAsync(keysFile, "predictor", "predict", "*");
        await AddKeyAsync(keysFile, "slow", "read", "*", "--rate-limit", "2");
        await _node.WaitReadyAsync(TimeSpan.FromSeconds(90));
        Serve = ServeProcess.Start(WorkDir, [Seed], keysFile, "--max-body", MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--rate-limit", "0");
        Gateway = await GatewayClient.ConnectAsync(new GatewayOptions
        { Seeds = [Seed], JoinTimeout = TimeSpan.FromSeconds(60), Tls = TestPki.Gateway.Settings });
        var trained = await Gateway.TrainAsync(Model, Data.TrainJson(Model), TimeSpan.FromMinutes(4));
        if (trained is not ModelTrainedReply) throw new InvalidOperationException($"training {Model} failed: {trained}");
        InputFeatures = ((ModelDescription)await Gateway.DescribeAsync(Model, TimeSpan.FromSeconds(60))).Summary!.InputFeatures;
        await Serve.WaitReadyAsync(TimeSpan.FromSeconds(90));
    }

    private async Task AddKeyAsync(string file, string id, string scopes, string labels, params string[] extra)
    {
        var (code, stdout, stderr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1),
            ["serve", "keys", "add", "--id", id, "--scopes", scopes, "--labels", labels, "--file", file, .. extra]);
        if (code != 0) throw new InvalidOperationException($"serve keys add {id}: exit {code}: {stderr}");
        _secrets[id] = stdout.Trim();
    }

    public string Secret(string keyId) => _secrets[keyId];

    /// <summary>A client for the service, authenticated as <paramref name="keyId"/> (none when null).</summary>
    public HttpClient Client(string? keyId)
    {
        var http = new HttpClient { BaseAddress = new Uri(Serve.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        if (keyId is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Secret(keyId));
        return http;
    }

    public async Task DisposeAsync()
    {
        if (Gateway is not null) { try { await Gateway.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)); } catch (Exception) { } }
        Serve?.Dispose();
        _node?.Dispose();
        Redis?.Dispose();
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
