// Hands a label's current artifact (the bytes of its latest stored snapshot) to a gateway that keeps its own read copy,
// in parts that fit the remote frame. It reads through the persistence plugin's snapshot store, as replicas do, and
// keeps the last few artifacts read so that the following parts of one transfer need no new read.
using Akka.Actor;
using Akka.Persistence;
using AntiNex.Models;

namespace AntiNex.Replicas;

/// <summary>Gateway -> a model node's keeper: bytes [<paramref name="Offset"/>, +<paramref name="MaxBytes"/>) of the
/// label's latest stored artifact. <paramref name="Version"/> is 0 for the first part (whatever is latest), then the
/// version the first part named: a part of another version is refused with code <c>changed</c>.</summary>
public sealed record FetchArtifact(string ModelId, long Version, long Offset, int MaxBytes) : IAntiNexMessage;

/// <summary>One part of a label's artifact; the transfer is complete when Offset + Data.Length == TotalBytes.</summary>
public sealed record ArtifactPart(string ModelId, long Version, long Offset, long TotalBytes, byte[] Data, string Node) : IAntiNexMessage;

internal sealed class ArtifactServer : ReceiveActor
{
    public const string ChangedCode = "changed";
    private const int Kept = 4;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(60);

    private readonly IActorRef _snapshots;
    private readonly string _node;
    private readonly long _maxPart;
    private readonly Dictionary<string, (long Version, byte[] Bytes)> _kept = [];
    private readonly Queue<string> _order = new();

    public static Props Props(IActorRef snapshotStore, string node) => Akka.Actor.Props.Create(() => new ArtifactServer(snapshotStore, node));

    public ArtifactServer(IActorRef snapshotStore, string node)
    {
        _snapshots = snapshotStore;
        _node = node;
        // Base64 in a JSON message: 4 bytes on the wire per 3 of artifact, under this node's own frame with a margin.
        var frame = Context.System.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", null) ?? 128_000;
        _maxPart = Math.Max(1024, (frame - 16 * 1024) / 4 * 3);

        Receive<FetchArtifact>(m =>
        {
            if (m.Offset > 0 && _kept.TryGetValue(m.ModelId, out var kept) && kept.Version == m.Version)
            {
                Sender.Tell(Part(m, kept.Version, kept.Bytes));
                return;
            }
            var replyTo = Sender;
            _snapshots.Ask<object>(new LoadSnapshot(ModelIds.PersistenceId(m.ModelId), SnapshotSelectionCriteria.Latest, long.MaxValue), ReadTimeout)
                .PipeTo(Self, success: r => new Read(m, replyTo, r), failure: e => new Read(m, replyTo, e));
        });
        Receive<Read>(OnRead);
    }

    private void OnRead(Read r)
    {
        var m = r.Request;
        switch (r.Result)
        {
            case LoadSnapshotResult { Snapshot.Snapshot: StoredModelSnapshot s }:
                Keep(m.ModelId, s.Version, s.Artifact);
                r.ReplyTo.Tell(m.Version != 0 && m.Version != s.Version
                    ? ModelFailed.Of(m.ModelId, ChangedCode, $"'{m.ModelId}' is at version {s.Version} now, not {m.Version}")
                    : Part(m, s.Version, s.Artifact));
                break;
            case LoadSnapshotResult:
                r.ReplyTo.Tell(ModelFailed.Of(m.ModelId, "not-trained", $"no stored model for '{m.ModelId}'"));
                break;
            case LoadSnapshotFailed f:
                r.ReplyTo.Tell(ModelFailed.Of(m.ModelId, "unavailable", $"snapshot read failed: {f.Cause.Message}"));
                break;
            default:
                var why = r.Result is Exception e ? e.GetBaseException().Message : r.Result.GetType().Name;
                r.ReplyTo.Tell(ModelFailed.Of(m.ModelId, "unavailable", $"snapshot read failed: {why}"));
                break;
        }
    }

    private ArtifactPart Part(FetchArtifact m, long version, byte[] bytes)
    {
        var offset = Math.Clamp(m.Offset, 0, bytes.Length);
        var length = (int)Math.Min(Math.Min(Math.Max(1, m.MaxBytes), _maxPart), bytes.Length - offset);
        return new ArtifactPart(m.ModelId, version, offset, bytes.Length, bytes.AsSpan((int)offset, length).ToArray(), _node);
    }

    private void Keep(string id, long version, byte[] bytes)
    {
        if (!_kept.ContainsKey(id)) _order.Enqueue(id);
        _kept[id] = (version, bytes);
        while (_order.Count > Kept) _kept.Remove(_order.Dequeue());
    }

    private sealed record Read(FetchArtifact Request, IActorRef ReplyTo, object Result);
}
