using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AntiNex.Learning;

/// <summary>
/// The model artifact: one byte[] =
///   "ANXM" | u16 format version | i64 body length | body | SHA-256 of everything before it (32 bytes).
/// Body: i32 + UTF-8 JSON of <see cref="ModelState"/> (architecture, scaler, feature/one-hot layout, target and label
/// rules, metrics, created time) | i32 tensor count | per tensor: name, rank, dims (i64), i32 count, float32 values (LE)
/// | from version 4: i32 blob count | per blob: name, i32 length, bytes (a tree ensemble's model, see
/// <see cref="Trees.TreeModel.ToBytes"/>). Weights are written by name from the parameters, never through torch's file save.
/// </summary>
internal static class ArtifactFormat
{
    // 2: quality fields (scaler kind, dropped columns, threshold, ensemble members, batch-norm buffers). 1 still loads.
    // 3: novelty detector (state "novelty" + tensors "novelty.*"); bumped so an older build refuses such a model instead
    //    of silently predicting without its detector; a model without one is still written as 2. 1 and 2 still load.
    // 4: blobs after the tensors and state "model_kind" (a tree ensemble's model); written only for such a model, so an
    //    older build refuses it instead of reading a network that is not there. 1, 2 and 3 still load.
    public const ushort Version = 4;
    public const ushort VersionWithBlobs = 4;
    public const ushort VersionWithNovelty = 3;
    private const ushort VersionWithoutNovelty = 2;
    private static readonly byte[] Magic = "ANXM"u8.ToArray();
    private const int HeaderBytes = 4 + 2 + 8;
    private const int ChecksumBytes = 32;
    private const int MaxRank = 8; // the dense network's tensors have rank 1 or 2

    // A metric that is NaN or infinite (a diverged cross-validation fold) is written as "NaN"/"Infinity": System.Text.Json
    // refuses them otherwise, and the whole training would fail at its last step.
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static byte[] Write(ModelState state, IReadOnlyList<(string Name, long[] Shape, float[] Data)> weights,
        IReadOnlyList<(string Name, byte[] Data)>? blobs = null)
    {
        blobs ??= [];
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(state, Json);
            w.Write(json.Length);
            w.Write(json);
            w.Write(weights.Count);
            foreach (var (name, shape, data) in weights)
            {
                w.Write(name);
                w.Write(shape.Length);
                foreach (var d in shape) w.Write(d);
                w.Write(data.Length);
                w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
            }
            if (blobs.Count > 0)
            {
                w.Write(blobs.Count);
                foreach (var (name, data) in blobs)
                {
                    w.Write(name);
                    w.Write(data.Length);
                    w.Write(data);
                }
            }
        }
        var bodyBytes = body.ToArray();
        var result = new byte[HeaderBytes + bodyBytes.Length + ChecksumBytes];
        Magic.CopyTo(result, 0);
        BitConverter.TryWriteBytes(result.AsSpan(4), blobs.Count > 0 ? VersionWithBlobs
            : state.Novelty is null ? VersionWithoutNovelty : VersionWithNovelty);
        BitConverter.TryWriteBytes(result.AsSpan(6), (long)bodyBytes.Length);
        bodyBytes.CopyTo(result, HeaderBytes);
        SHA256.HashData(result.AsSpan(0, HeaderBytes + bodyBytes.Length), result.AsSpan(HeaderBytes + bodyBytes.Length));
        return result;
    }

    public static ArtifactContent Read(byte[] artifact)
    {
        if (artifact is null) throw new ArtifactException("artifact is null");
        if (artifact.Length < HeaderBytes + ChecksumBytes)
            throw new ArtifactException(
                $"artifact truncated: {artifact.Length} bytes is shorter than the {HeaderBytes + ChecksumBytes}-byte header and checksum");
        if (!artifact.AsSpan(0, 4).SequenceEqual(Magic))
            throw new ArtifactException("not an AntiNex model artifact (bad magic bytes)");
        var version = BitConverter.ToUInt16(artifact, 4);
        if (version is < 1 or > Version)
            throw new ArtifactException($"artifact format version {version} is not supported (this build reads version {Version})");
        var bodyLength = BitConverter.ToInt64(artifact, 6);
        long expected = HeaderBytes + bodyLength + ChecksumBytes;
        if (bodyLength < 0 || expected != artifact.Length)
            throw new ArtifactException(artifact.Length < expected
                ? $"artifact truncated: {artifact.Length} bytes, the header announces {expected}"
                : $"artifact has {artifact.Length} bytes, the header announces {expected} (trailing or corrupted data)");
        var hash = SHA256.HashData(artifact.AsSpan(0, HeaderBytes + (int)bodyLength));
        if (!hash.AsSpan().SequenceEqual(artifact.AsSpan(HeaderBytes + (int)bodyLength, ChecksumBytes)))
            throw new ArtifactException("artifact checksum (SHA-256) mismatch: the bytes are corrupted");
        try
        {
            using var r = new BinaryReader(new MemoryStream(artifact, HeaderBytes, (int)bodyLength, writable: false), Encoding.UTF8);
            // Every length is proved against the bytes that remain before anything is allocated from it: a corrupted
            // length must be refused as such, not fail as an out-of-memory the caller's catch does not expect.
            var jsonLength = r.ReadInt32();
            if (jsonLength < 0 || jsonLength > Remaining(r))
                throw new ArtifactException($"artifact model description length {jsonLength} exceeds the {Remaining(r)} bytes left");
            var state = JsonSerializer.Deserialize<ModelState>(r.ReadBytes(jsonLength), Json)
                ?? throw new ArtifactException("artifact model description is empty");
            var count = r.ReadInt32();
            if (count < 0 || count > Remaining(r)) throw new ArtifactException($"artifact tensor count {count} is impossible");
            var weights = new List<(string, long[], float[])>(count);
            for (int i = 0; i < count; i++)
            {
                var name = r.ReadString();
                var rank = r.ReadInt32();
                if (rank is < 0 or > MaxRank) throw new ArtifactException($"artifact tensor '{name}' has rank {rank} (0 to {MaxRank})");
                var shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = r.ReadInt64();
                if (shape.Any(d => d < 0)) throw new ArtifactException(
                    $"artifact tensor '{name}' has a negative dimension in shape [{string.Join(",", shape)}]");
                long cells = shape.Aggregate(1L, (a, b) => checked(a * b));
                var n = r.ReadInt32();
                if (n != cells) throw new ArtifactException(
                    $"artifact tensor '{name}' has {n} values for shape [{string.Join(",", shape)}]");
                if (n > Remaining(r) / sizeof(float)) throw new ArtifactException(
                    $"artifact tensor '{name}' is truncated: {n} values, {Remaining(r)} bytes left");
                var data = new float[n];
                var bytes = r.ReadBytes(n * sizeof(float));
                if (bytes.Length != n * sizeof(float)) throw new ArtifactException($"artifact tensor '{name}' is truncated");
                Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
                weights.Add((name, shape, data));
            }
            var blobs = new List<(string, byte[])>();
            if (version >= VersionWithBlobs)
            {
                var blobCount = r.ReadInt32();
                for (int i = 0; i < blobCount; i++)
                {
                    var name = r.ReadString();
                    var n = r.ReadInt32();
                    if (n < 0 || n > Remaining(r)) throw new ArtifactException($"artifact blob '{name}' is truncated");
                    var bytes = r.ReadBytes(n);
                    if (bytes.Length != n) throw new ArtifactException($"artifact blob '{name}' is truncated");
                    blobs.Add((name, bytes));
                }
            }
            return new ArtifactContent(state, weights, blobs);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or IOException or ArgumentException or OverflowException)
        {
            throw new ArtifactException($"artifact body is malformed: {e.Message}", e);
        }
    }

    private static long Remaining(BinaryReader r) => r.BaseStream.Length - r.BaseStream.Position;
}
