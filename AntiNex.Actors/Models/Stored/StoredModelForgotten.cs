// Journal event of a model entity. Manifest ev-forgotten.v1.
namespace AntiNex.Models;

/// <summary>The label was forgotten: every event before this one and every snapshot are deleted. It keeps the highest
/// version the label had reached, so a label trained again numbers its versions past it: a version number names one
/// model for the label's whole life, and the copies, replicas and gateways that keep the highest version they saw never
/// take a new model for an old one.
/// The request ids the label had finished or ended for good ride along: a job submitted again under its id after the forget
/// is not run again (absent in older events).</summary>
public sealed record StoredModelForgotten(long HighestVersion, DateTimeOffset ForgottenUtc, IReadOnlyList<string>? RecentRequests = null,
    IReadOnlyList<StoredTrainingEnded>? EndedRequests = null) : IAntiNexMessage;
