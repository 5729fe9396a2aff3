using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using AntiNex.Cluster;
using AntiNex.Learning;
using AntiNex.Models;
using AntiNex.Reporting;
using AntiNex.Requests;
using AntiNex.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AntiNex.Tests.Cluster;

/// <summary>Every cluster message goes through <see cref="AntiNexSerializer"/> as wired by the production hosting
/// setup, and comes back equal (compared by its JSON form, which covers nested lists/arrays).</summary>
public sealed class SerializerTests : IAsyncLifetime
{
    private IHost _host = null!;
    private ActorSystem _system = null!;

    public async Task InitializeAsync()
    {
        _host = await FreePorts.StartAsync(async port =>
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddAkka(AntiNexClusterOptions.SystemName, (akka, _) => akka.WithAntiNexCluster(new AntiNexClusterOptions
            {
                Port = port,
                Roles = [AntiNexRoles.Gateway],
            }));
            var host = builder.Build();
            try { await host.StartAsync(); }
            catch { host.Dispose(); throw; }
            return host;
        });
        _system = _host.Services.GetRequiredService<ActorSystem>();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private static readonly ModelSummary Summary = new()
    {
        Label = "Django-Simple", MlType = "classification", PredictFeature = "label_value",
        InputFeatures = ["ip_len", "tcp_dport"], NetworkInputs = 2, CreatedUtc = DateTimeOffset.Parse("2026-11-27T10:00:00Z"),
        TestAccuracy = 97.5, ArtifactBytes = 1234,
    };

    private static readonly ModelMetrics Metrics = new(97.5, 0.9, 0.8, 0.85, 0.99, null, null, null, 0.96, 0.01, 160, 40, 1.5);

    private static readonly StoredModelSummary StoredSummary = StoredModelSummary.From(Summary);
    private static readonly StoredModelMetrics StoredMetrics = StoredModelMetrics.From(Metrics);

    private static readonly TrainingReport Report = new()
    {
        Label = "Django-Simple", Accuracy = 97.5, Precision = 0.9, ConfusionMatrix = [[10, 1], [0, 29]], ClassNames = ["no", "yes"],
        Cv = [new FoldScore(1, 0.95, 80, 80)], CvMean = 0.95, CvStd = 0.0,
        History = [new EpochHistory(1, 0.7, 0.5, 0.69, 0.52)], TrainRows = 160, TestRows = 40, TrainSeconds = 1.5,
        RowsPerSecond = 1000, Warnings = ["w"],
    };

    private static readonly PredictionResult Predictions = new()
    {
        Label = "Django-Simple", Rows = 2, Accuracy = 100, Summary = "django-simple made predictions=2 found=2 accuracy=100",
        Samples = [new SamplePrediction(0, 1, 1, "attack", 0.97), new SamplePrediction(1, null, 0, null, null)],
    };

    private IEnumerable<object> Samples(IActorRef actor)
    {
        yield return new TrainModel("django-simple", """{"label":"Django-Simple"}""", actor, "req-1", new RequestOrigin(Via: "console"),
            DateTimeOffset.Parse("2026-11-27T10:30:00Z"));
        yield return new PredictModel("django-simple", """{"label":"Django-Simple","dataset":"d.csv"}""", actor, "req-2",
            DateTimeOffset.Parse("2026-11-27T10:30:00Z"), new RequestOrigin(ApiKeyId: "ops", Via: "http"), MayTrain: true, CountUnseen: true);
        yield return new PredictRawRows("django-simple", [[1.5, 2], [3, 1e30]]);
        yield return new DescribeModel("django-simple");
        yield return new ForgetModel("django-simple", new RequestOrigin(Via: "console", Client: "host pid 1"));
        yield return new CancelTraining("django-simple", new RequestOrigin(Via: "console"), "req-3");
        yield return new CancelOneTraining("django-simple", "job-1", new RequestOrigin(ApiKeyId: "ops", Via: "http"));
        yield return new TrainingCancelled("django-simple", true, 2, "cancelled the running training and 2 queued training(s)", "req-3");
        yield return StopEntity.Instance;
        yield return new ListModels { After = "a", Limit = 10 };
        yield return new ListLiveModels(["a", "b"]);
        yield return new LiveModels("n", [new LiveModel("a", true, 1, true, "idle", 3)]);
        yield return new LiveModel("a", true, 1, true, "idle", 3);
        yield return new DescribeLive("a");
        yield return new TrainingQueued("django-simple", 3, "req-1");
        yield return new TrainingStarted("django-simple", "127.0.0.1:4053", null);
        yield return new TrainingProgressed("django-simple", new TrainingProgress("cv", 1, 2, 3, 10, 0.5, 0.9, 0.6, null, "x"), "r");
        yield return new ModelTrainedReply("django-simple", 3, Report, Predictions, "127.0.0.1:4053", ["careful"], "req-1");
        yield return new Predicted("django-simple", 3, Predictions, "127.0.0.1:4053", true, 5, "req-2",
            [new UnseenCategory("proto", 7, 2, new Dictionary<string, long> { ["sctp"] = 4, ["gre"] = 1 }, ["tcp", "udp"], 2)]);
        yield return new RowsPredicted("django-simple", 3, [0.25f, 0.75f], "127.0.0.1:4053");
        yield return new ModelFailed("django-simple", "bad-request", "bad", [new RequestIssue("dataset", "outside the data roots")], "r");
        yield return new ModelDescription("Django-Simple", true, 3, Summary, Metrics, DateTimeOffset.Parse("2026-11-27T10:00:00Z"),
            "127.0.0.1:4053", true, "idle", 42);
        yield return new ModelForgotten("django-simple", true);
        yield return new ModelList([new ModelDescription("a", false, 0, null, null, null, "n", false, "idle", 0)], ["b"]) { Next = "a" };
        yield return new StoredModelTrained(3, DateTimeOffset.Parse("2026-11-27T10:00:00Z"), StoredSummary, StoredMetrics, "req-1");
        yield return new StoredModelSnapshot("django-simple", 3, DateTimeOffset.Parse("2026-11-27T10:00:00Z"), StoredSummary, StoredMetrics,
            Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31)).ToArray(), ["req-0", "req-1"]);
        // at-least-once training
        yield return new StoredTrainingAccepted("req-1", """{"label":"Django-Simple"}""", DateTimeOffset.Parse("2026-11-27T10:00:00Z"),
            actor, actor, new RequestOrigin(Via: "console"), DateTimeOffset.Parse("2026-11-27T10:30:00Z"));
        yield return new StoredTrainingEnded("req-1", "cancelled");
        yield return new StoredModelForgotten(7, DateTimeOffset.Parse("2026-11-27T10:45:00Z"));
        yield return new ResumeTraining("django-simple");
        // model search
        yield return TrialRunnerQuery.Instance;
        yield return new TrialRunnerInfo("127.0.0.1:4053", 2);
        yield return new RunTrial("s-1", 3, """{"label":"Django-Simple","num_splits":3}""", actor);
        yield return new TrialStarted("s-1", 3, "127.0.0.1:4053");
        yield return new TrialScored("s-1", 3, "127.0.0.1:4053", [new FoldScore(1, 95.5, 80, 40), new FoldScore(2, 96.25, 80, 40)], 95.875, 0.375,
            1.25, ["w"]);
        yield return new TrialFailed("s-1", 4, "127.0.0.1:4053", "bad-request", "bad", [new RequestIssue("scaler", "must be one of ...")]);
        yield return new CancelTrials("s-1");
        // read replicas
        yield return new AntiNex.Replicas.CopiesHeld("akka.ssl.tcp://antinex@127.0.0.1:4053", "127.0.0.1:4053", actor, ["web"],
            new Dictionary<string, long> { ["dns"] = 3 });
        yield return new AntiNex.Replicas.CopyVersionChanged("web", 4, false, "127.0.0.1:4053");
        yield return new AntiNex.Replicas.FetchArtifact("web", 4, 65536, 65536);
        yield return new AntiNex.Replicas.ArtifactPart("web", 4, 0, 3, [1, 2, 3], "127.0.0.1:4053");
        // audit
        yield return new AntiNex.Audit.QueryAudit("web", DateTimeOffset.Parse("2026-11-27T10:00:00Z"), 50);
        yield return new AntiNex.Audit.AuditEntries([new AntiNex.Audit.AuditEntry("1-0", DateTimeOffset.Parse("2026-11-27T10:00:00Z"),
            "train", "web", "CN=ops", "CN=ops", null, "console", "127.0.0.1:5000", "r-1", "ok", "version 2", "127.0.0.1:4053")], null, 0);
    }

    [Fact]
    public void Every_message_type_round_trips_through_the_bound_serializer()
    {
        var probe = _system.ActorOf(Props.Empty, "probe");
        var samples = Samples(probe).ToList();
        Assert.Equal(AntiNexSerializer.KnownTypes.OrderBy(t => t.Name), samples.Select(s => s.GetType()).OrderBy(t => t.Name));
        var json = new JsonSerializerOptions { Converters = { new RefAsPath() } };
        foreach (var message in samples)
        {
            var serializer = _system.Serialization.FindSerializerFor(message);
            Assert.IsType<AntiNexSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
            var bytes = serializer.ToBinary(message);
            var back = _system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
            Assert.Equal(message.GetType(), back.GetType());
            Assert.Equal(JsonSerializer.Serialize(message, message.GetType(), json), JsonSerializer.Serialize(back, back.GetType(), json));
        }
    }

    [Fact]
    public void Actor_refs_resolve_to_the_same_actor_and_snapshots_keep_raw_artifact_bytes()
    {
        var probe = _system.ActorOf(Props.Empty, "probe2");
        var serializer = _system.Serialization.FindSerializerFor(new TrainModel("x", "{}", probe));
        var back = (TrainModel)_system.Serialization.Deserialize(serializer.ToBinary(new TrainModel("x", "{}", probe)), serializer.Identifier,
            "train");
        Assert.Equal(probe, back.ProgressTo);

        var artifact = new byte[1_000_000];
        Random.Shared.NextBytes(artifact);
        var snapshot = new StoredModelSnapshot("x", 1, DateTimeOffset.UtcNow, StoredSummary, StoredMetrics, artifact);
        var bytes = serializer.ToBinary(snapshot);
        Assert.True(bytes.Length < artifact.Length + 4096,
            $"snapshot envelope is {bytes.Length} bytes for a {artifact.Length}-byte artifact (no base64)");
        Assert.Equal(artifact, ((StoredModelSnapshot)serializer.FromBinary(bytes, typeof(StoredModelSnapshot))).Artifact);
    }

    [Fact]
    public void Unknown_manifests_and_truncated_snapshots_are_serialization_errors()
    {
        var serializer = new AntiNexSerializer((ExtendedActorSystem)_system);
        Assert.Throws<SerializationException>(() => serializer.FromBinary([1, 2, 3], "no-such-manifest"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([1, 2], "snapshot.v1"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([255, 255, 0, 0, 1], "snapshot.v1"));
        // A payload that is not the manifest's JSON is dropped as a message, never a broken connection.
        var manifest = serializer.Manifest(new TrainModel("m", "{}"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary("{\"model_id\": 5"u8.ToArray(), manifest));
        Assert.Throws<SerializationException>(() => serializer.FromBinary("{\"model_id\": [1]}"u8.ToArray(), manifest));
    }

    [Fact]
    public void Request_text_travels_escaped_only_as_json_requires_and_its_sent_size_is_known_in_advance()
    {
        var serializer = new AntiNexSerializer((ExtendedActorSystem)_system);
        var json = "{\"label\": \"d\u00e9mo <&'+>\", \"rows\": [" + string.Join(",", Enumerable.Range(0, 500).Select(i => $"{{\"a\": {i}}}")) +
                   "],\n\"note\": \"tab\there \\ back \ud83d\ude00 del\u007f sep\u2028 nbsp\u00a0 c1\u0085\"}";
        var bytes = serializer.ToBinary(new TrainModel("m", json));
        var overhead = serializer.ToBinary(new TrainModel("m", "")).Length;
        Assert.Equal(AntiNex.Gateway.Cluster.FrameBudget.SentBytes(json), bytes.Length - overhead);
        Assert.True(bytes.Length - overhead < 1.2 * System.Text.Encoding.UTF8.GetByteCount(json), $"{bytes.Length} bytes sent");
        Assert.Equal(json, ((TrainModel)serializer.FromBinary(bytes, serializer.Manifest(new TrainModel("m", "")))).RequestJson);
    }

    [Fact]
    public void Shard_of_a_label_is_stable_and_ids_are_trimmed_lower_case()
    {
        var extractor = new ModelMessageExtractor();
        var id = ModelIds.FromLabel("  Django-AntiNex-Simple-DNN ");
        Assert.Equal("django-antinex-simple-dnn", id);
        Assert.Equal("model-django-antinex-simple-dnn", ModelIds.PersistenceId(id));
        // MurmurHash, not string.GetHashCode (randomised per process): every process must compute the same shard.
        Assert.Equal(extractor.ShardId(id), new ModelMessageExtractor().ShardId(id, new DescribeModel(id)));
        Assert.Equal(Math.Abs(Akka.Util.MurmurHash.StringHash(id) % ModelMessageExtractor.ShardCount).ToString(), extractor.ShardId(id));
    }

    private sealed class RefAsPath : System.Text.Json.Serialization.JsonConverter<IActorRef>
    {
        public override bool CanConvert(Type t) => typeof(IActorRef).IsAssignableFrom(t);
        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException();
        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Path.ToString());
    }
}
