// The one serializer for everything AntiNex sends over the wire or persists: System.Text.Json with a string manifest
// per type (so types can move between namespaces, and versions can be encoded in the manifest), plus a binary
// envelope for snapshots so that a multi-MB artifact is not inflated by base64, and float32 binary for predict rows.
using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using AntiNex.Models;

namespace AntiNex.Cluster;

public sealed class AntiNexSerializer : SerializerWithStringManifest
{
    /// <summary>Above 100 (reserved by Akka); 48 is the Redis plugin's, 556 the samples'.</summary>
    public const int Id = 4711;
    public const string Name = "antinex";

    private static readonly (Type Type, string Manifest)[] Table =
    [
        (typeof(TrainModel), "train"),
        (typeof(PredictModel), "predict"),
        (typeof(PredictRawRows), "predict-rows.f32"), // binary float32 rows (RowBlockFormat)
        (typeof(DescribeModel), "describe"),
        (typeof(ForgetModel), "forget"),
        (typeof(CancelTraining), "cancel"),
        (typeof(CancelOneTraining), "cancel-one"),
        (typeof(TrainingCancelled), "cancelled"),
        (typeof(StopEntity), "stop"),
        (typeof(ListModels), "list"),
        (typeof(TrainingQueued), "training-queued"),
        (typeof(TrainingStarted), "training-started"),
        (typeof(TrainingProgressed), "training-progress"),
        (typeof(ModelTrainedReply), "trained"),
        (typeof(Predicted), "predicted"),
        (typeof(RowsPredicted), "rows-predicted.f32"), // binary float32 values (RowBlockFormat)
        (typeof(ModelFailed), "failed"),
        (typeof(ModelDescription), "description"),
        (typeof(ModelForgotten), "forgotten"),
        (typeof(ModelList), "model-list"),
        (typeof(ListLiveModels), "list-live"),
        (typeof(LiveModels), "live-models.v2"), // v2: the running entities' state only (the card has the rest)
        (typeof(DescribeLive), "describe-live"),
        (typeof(LiveModel), "live-model"),
        (typeof(StoredModelTrained), "ev-trained.v2"),
        (typeof(StoredModelSnapshot), "snapshot.v2"),
        (typeof(StoredTrainingAccepted), "ev-train-accepted.v1"),
        (typeof(StoredTrainingEnded), "ev-train-ended.v1"),
        (typeof(StoredModelForgotten), "ev-forgotten.v1"),
        (typeof(ResumeTraining), "resume-training"),
        // model search (gateway search coordinator <-> node trial runners)
        (typeof(TrialRunnerQuery), "trial-runner-query"),
        (typeof(TrialRunnerInfo), "trial-runner-info"),
        (typeof(RunTrial), "run-trial"),
        (typeof(TrialStarted), "trial-started"),
        (typeof(TrialScored), "trial-scored"),
        (typeof(TrialFailed), "trial-failed"),
        (typeof(CancelTrials), "cancel-trials"),
        // read replicas (node <-> node, node -> gateway)
        (typeof(AntiNex.Replicas.CopiesHeld), "copies-held"),
        (typeof(AntiNex.Replicas.CopyVersionChanged), "copy-version-changed"),
        (typeof(AntiNex.Replicas.FetchArtifact), "fetch-artifact"),
        (typeof(AntiNex.Replicas.ArtifactPart), "artifact-part"),
        // audit trail (gateway -> node)
        (typeof(AntiNex.Audit.QueryAudit), "audit-query"),
        (typeof(AntiNex.Audit.AuditEntries), "audit-entries"),
    ];

    /// <summary>Manifests written by earlier stored formats, still read (same JSON shape as today's stored records).</summary>
    private static readonly (string Manifest, Type Type)[] ReadOnlyManifests =
    [
        ("ev-trained.v1", typeof(StoredModelTrained)),
        ("snapshot.v1", typeof(StoredModelSnapshot)),
    ];

    private static readonly Dictionary<Type, string> ManifestByType = Table.ToDictionary(t => t.Type, t => t.Manifest);
    // Also keyed by "Namespace.Type, Assembly": Akka's FromBinary(bytes, Type) passes that as the manifest.
    private static readonly Dictionary<string, Type> TypeByManifest = Table.ToDictionary(t => t.Manifest, t => t.Type)
        .Concat(Table.ToDictionary(t => $"{t.Type.FullName}, {t.Type.Assembly.GetName().Name}", t => t.Type))
        .Concat(ReadOnlyManifests.ToDictionary(t => t.Manifest, t => t.Type))
        .ToDictionary();

    /// <summary>Every message type the serializer knows (for the round-trip test).</summary>
    public static IReadOnlyCollection<Type> KnownTypes => ManifestByType.Keys;

    private readonly JsonSerializerOptions _json;

    public AntiNexSerializer(ExtendedActorSystem system) : base(system)
    {
        _json = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            // Request text rides inside messages as a JSON string: the default encoder writes every quote as \u0022 and
            // every non-ASCII character as \uXXXX, up to six bytes for one, so a request that fits a frame raw did not
            // fit it sent. Readers accept either form (a mixed-version cluster reads both).
            Encoder = MessageEncoder,
            Converters = { new ActorRefConverter(system) },
        };
    }

    /// <summary>How strings are escaped in messages: only what JSON requires (quote, backslash, control characters).</summary>
    public static readonly System.Text.Encodings.Web.JavaScriptEncoder MessageEncoder =
        System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public override int Identifier => Id;

    public override string Manifest(object o) => ManifestByType.TryGetValue(o.GetType(), out var m)
        ? m
        : throw new SerializationException($"AntiNexSerializer has no manifest for {o.GetType().FullName}");

    public override byte[] ToBinary(object obj)
    {
        if (obj is StoredModelSnapshot snapshot) return SnapshotToBinary(snapshot);
        if (obj is PredictRawRows rows) return RowBlockFormat.Write(rows);
        if (obj is RowsPredicted predicted) return RowBlockFormat.Write(predicted);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _json);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!TypeByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"AntiNexSerializer: unknown manifest '{manifest}'");
        try
        {
            if (type == typeof(StoredModelSnapshot)) return SnapshotFromBinary(bytes);
            if (type == typeof(PredictRawRows)) return RowBlockFormat.ReadRows(bytes);
            if (type == typeof(RowsPredicted)) return RowBlockFormat.ReadPredicted(bytes);
            return JsonSerializer.Deserialize(bytes, type, _json)
                   ?? throw new SerializationException($"AntiNexSerializer: null payload for '{manifest}'");
        }
        // The transport drops a message it cannot read only on a SerializationException; any other exception fails the whole
        // connection to that member (heartbeats included) for seconds: one bad message must not make a member unreachable.
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            throw new SerializationException($"AntiNexSerializer: '{manifest}' cannot be read: {e.Message}", e);
        }
    }

    // Snapshot envelope: int32 header length (LE) | JSON header (snapshot without artifact) | artifact bytes.
    private byte[] SnapshotToBinary(StoredModelSnapshot s)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(s with { Artifact = [] }, _json);
        var result = new byte[4 + header.Length + s.Artifact.Length];
        BinaryPrimitives.WriteInt32LittleEndian(result, header.Length);
        header.CopyTo(result, 4);
        s.Artifact.CopyTo(result, 4 + header.Length);
        return result;
    }

    private StoredModelSnapshot SnapshotFromBinary(byte[] bytes)
    {
        if (bytes.Length < 4) throw new SerializationException("model snapshot: truncated (no header length)");
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (headerLength < 0 || headerLength > bytes.Length - 4)
            throw new SerializationException($"model snapshot: header length {headerLength} exceeds {bytes.Length - 4} bytes");
        var header = JsonSerializer.Deserialize<StoredModelSnapshot>(bytes.AsSpan(4, headerLength), _json)
                     ?? throw new SerializationException("model snapshot: empty header");
        return header with { Artifact = bytes.AsSpan(4 + headerLength).ToArray() };
    }

    /// <summary>IActorRef as its serialized path (with the transport address when remoting), resolved on read.</summary>
    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override bool CanConvert(Type typeToConvert) => typeof(IActorRef).IsAssignableFrom(typeToConvert);

        public override IActorRef? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var path = reader.GetString();
            return string.IsNullOrEmpty(path) ? ActorRefs.Nobody : system.Provider.ResolveActorRef(path);
        }

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options)
            => writer.WriteStringValue(Serialization.SerializedActorPath(value));
    }
}
