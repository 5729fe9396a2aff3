// One real cluster for the HTTP tests: a redis-server, a node process, a `serve` process with a key file made by
// `serve keys add`, and a model trained through the console path. Shared by the tests of one class (minutes to build).
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiNex.Cluster;
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
    /// <summary>The node's log so far.</summary>
    public string NodeLog() => _node!.Tail(int.MaxValue);
    public string KeysFile => Path.Combine(WorkDir, "keys.json");
    public IReadOnlyList<string> InputFeatures { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkDir);
        Data = new TestData(Directory.CreateDirectory(Path.Combine(WorkDir, "data")).FullName);
        Redis = RedisServer.Start(aof: true);
        var port = FreePorts.Take();
        _node = NodeProcess.Start(WorkDir, port, [$"akka.tcp://antinex@127.0.0.1:{port}"], Redis.ConnectionString, Data.Root,
            TimeSpan.FromSeconds(3), "--acceptable-heartbeat-pause", ServeProcess.TestHeartbeatPauseText);
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
        {
            Seeds = [Seed], JoinTimeout = TimeSpan.FromSeconds(60), Tls = TestPki.Gateway.Settings,
            // The test process shares two cores with the node, the services and other processes: a pause of it must not
            // down the cluster.
            Failure = new FailureDetection { AcceptableHeartbeatPause = ServeProcess.TestHeartbeatPause, StableAfter = TimeSpan.FromSeconds(3) },
        });
        var trained = await Gateway.TrainAsync(Model, Data.TrainJson(Model), TimeSpan.FromMinutes(4));
        if (trained is not ModelTrainedReply) throw new InvalidOperationException($"training {Model} failed: {trained}");
        InputFeatures = ((ModelDescription)await Gateway.DescribeAsync(Model, TimeSpan.FromSeconds(60))).Summary!.InputFeatures;
        await Serve.WaitReadyAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>Adds a key to the keys file (a running service reads it within about a second) and keeps its secret.</summary>
    public async Task AddKeyAsync(string file, string id, string scopes, string labels, params string[] extra)
    {
        var (code, stdout, stderr) = await GatewayProcess.RunAsync(TimeSpan.FromMinutes(1),
            ["serve", "keys", "add", "--id", id, "--scopes", scopes, "--labels", labels, "--file", file, .. extra]);
        if (code != 0) throw new InvalidOperationException($"serve keys add {id}: exit {code}: {stderr}");
        _secrets[id] = stdout.Trim();
    }

    public string Secret(string keyId) => _secrets[keyId];

    /// <summary>Changes a key's label pattern in the keys file, as an operator editing it would (whole file replaced).</summary>
    public void SetKeyLabels(string id, string labels)
    {
        var file = JsonNode.Parse(File.ReadAllText(KeysFile))!;
        var key = file["keys"]!.AsArray().Single(k => (string?)k!["id"] == id)!;
        key["labels"] = labels;
        var temporary = KeysFile + ".tmp";
        File.WriteAllText(temporary, file.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, KeysFile, overwrite: true);
    }

    /// <summary>What is wrong with the shared cluster (null when its node and service are well): printed by a test that
    /// ends with it broken, so that every later failure of the class points at the cause, not at its own timeout.</summary>
    public async Task<string?> BrokenAsync()
    {
        string? why = null;
        if (_node is { HasExited: true }) why = $"the node exited with code {_node.ExitCode}";
        else if (Serve is { ExitCode: { } code }) why = $"the service exited with code {code}";
        else if (Serve is not null)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var ready = await http.GetAsync($"{Serve.BaseUrl}/v2/health/ready");
                if (!ready.IsSuccessStatusCode) why = $"the service is not ready: {await ready.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { why = $"the service does not answer: {e.Message}"; }
        }
        return why is null ? null : $"SHARED CLUSTER BROKEN: {why}\n---- node log\n{_node?.Tail(80)}\n---- service log\n{Serve?.Tail(40)}";
    }

    public const string CategoricalModel = "web-categorical";
    private Task? _categorical;

    /// <summary>Trains <see cref="CategoricalModel"/> once, on first use: a text input (proto: tcp, udp, icmp; one-hot
    /// encoded by the model's pipeline) beside two numeric ones.</summary>
    public Task CategoricalModelAsync() => _categorical ??= TrainCategoricalAsync();

    private async Task TrainCategoricalAsync()
    {
        var csv = Path.Combine(Data.Root, "categorical.csv");
        var random = new Random(11);
        string[] protocols = ["tcp", "udp", "icmp"];
        var lines = Enumerable.Range(0, 300).Select(_ =>
        {
            var proto = protocols[random.Next(3)];
            var size = random.Next(1000);
            var attack = proto == "icmp" || (proto == "udp" && size > 700) ? 1 : 0;
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{proto},{size},{random.NextDouble():F3},{attack}");
        });
        File.WriteAllLines(csv, lines.Prepend("proto,size,rate,label_value"));
        var request = $$"""
            {
              "label": "{{CategoricalModel}}", "dataset": "{{csv}}", "ml_type": "classification", "predict_feature": "label_value",
              "features_to_process": ["proto", "size", "rate"], "categorical_features": ["proto"], "apply_scaler": true,
              "seed": 42, "test_size": 0.2, "batch_size": 32, "epochs": 30, "num_splits": 0, "learning_rate": 0.01,
              "loss": "binary_crossentropy", "optimizer": "adam", "metrics": ["accuracy"],
              "model_desc": { "layers": [
                { "num_neurons": 16, "init": "uniform", "activation": "relu" },
                { "num_neurons": 1, "init": "uniform", "activation": "sigmoid" } ] },
              "label_rules": { "labels": ["not_attack", "attack"], "label_values": [0, 1] }
            }
            """;
        var trained = await Gateway.TrainAsync(CategoricalModel, request, TimeSpan.FromMinutes(4));
        if (trained is not ModelTrainedReply) throw new InvalidOperationException($"training {CategoricalModel} failed: {trained}");
    }

    /// <summary>POST /api/train (202 expected) and the job followed until it succeeds; its id.</summary>
    public static async Task<string> TrainThroughApiAsync(HttpClient http, string json)
    {
        using var started = await http.PostAsync("/api/train", new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await started.Content.ReadAsStringAsync();
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, text);
        var job = JsonDocument.Parse(text).RootElement.GetProperty("job_id").GetString()!;
        Assert.Equal("succeeded", await JobEndAsync(http, job));
        return job;
    }

    /// <summary>The state a job ends in, polled for up to four minutes: succeeded, cancelled, or failed with the job's view
    /// (for an assertion's message).</summary>
    public static async Task<string> JobEndAsync(HttpClient http, string jobId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (true)
        {
            var state = JsonDocument.Parse(await http.GetStringAsync($"/api/jobs/{jobId}")).RootElement;
            var name = state.GetProperty("state").GetString()!;
            if (name is "succeeded" or "failed" or "cancelled") return name == "failed" ? $"failed: {state}" : name;
            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} still {name}");
            await Task.Delay(500);
        }
    }

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
