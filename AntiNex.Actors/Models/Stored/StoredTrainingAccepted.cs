// Journal events that make a training at-least-once: "accepted" is written before the training starts or is queued, so a
// holder that dies leaves it in the journal and the label's next holder runs it (queued ones in their order); "ended" closes one that will not
// produce a version (failed, cancelled, refused). A version's StoredModelTrained closes it too (it names the request).
using Akka.Actor;

namespace AntiNex.Models;

/// <summary>A training about to start or queued: the request and who waits for it (the caller's reply and progress targets are
/// kept as actor paths, so a re-run on another node still answers the original caller if it is alive).</summary>
public sealed record StoredTrainingAccepted(string RequestId, string RequestJson, DateTimeOffset AcceptedUtc,
    IActorRef? ReplyTo = null, IActorRef? ProgressTo = null, RequestOrigin? Origin = null, DateTimeOffset? DeadlineUtc = null)
    : IAntiNexMessage;

/// <summary>An accepted training that ended without a new version (<paramref name="Outcome"/> is the failure code): not
/// run again.</summary>
public sealed record StoredTrainingEnded(string RequestId, string Outcome) : IAntiNexMessage;
