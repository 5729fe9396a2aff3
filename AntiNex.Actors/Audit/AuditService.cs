// Node-level audit writer and reader. It subscribes to the ModelCommandAudited notices the entities of this node
// publish and appends each to the audit log; it answers QueryAudit from any member, so a gateway reads the trail
// through the cluster and needs no Redis credentials. A failed write is logged and counted, never retried inline and
// never in a command's way: the entity has already answered its caller when the notice arrives.
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Event;
using AntiNex.Models;

namespace AntiNex.Audit;

public sealed class AuditService : ReceiveActor
{
    public const string Name = "audit";

    private static readonly Meter Meter = new("AntiNex");
    private static readonly Counter<long> Written = Meter.CreateCounter<long>(
        "antinex.audit.written", "{entry}", "Audit entries appended to the audit log.");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>(
        "antinex.audit.write.failures", "{entry}", "Audit entries that could not be written (logged; the command was not affected).");

    private readonly IAuditLog _log;
    private readonly ILoggingAdapter _logger = Context.GetLogger();
    private long _failures;

    public static Props Props(IAuditLog log) => Akka.Actor.Props.Create(() => new AuditService(log));

    public AuditService(IAuditLog log)
    {
        _log = log;
        Receive<ModelCommandAudited>(Write);
        Receive<WriteFailed>(f =>
        {
            _failures++;
            Failed.Add(1);
            _logger.Warning("audit: could not record {0} of '{1}' (request {2}) in {3}: {4} ({5} failures since start)",
                f.Entry.Action, f.Entry.Label, f.Entry.RequestId ?? "-", _log.Describe, f.Error, _failures);
        });
        Receive<QueryAudit>(Query);
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(ModelCommandAudited));
        _logger.Info("audit: recording train/forget/cancel/search/queue commands in {0}", _log.Describe);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void Write(ModelCommandAudited notice)
    {
        var entry = AuditEntry.From(notice);
        var self = Self;
        Task append;
        try { append = _log.AppendAsync(entry); }
        catch (Exception e) { append = Task.FromException(e); }
        append.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) Written.Add(1);
            else self.Tell(new WriteFailed(entry, t.Exception?.GetBaseException().Message ?? "cancelled"));
        }, TaskScheduler.Default);
    }

    private void Query(QueryAudit query)
    {
        var failures = _failures;
        var bounded = query with { Limit = Math.Clamp(query.Limit, 1, QueryAudit.MaxLimit) };
        Task<IReadOnlyList<AuditEntry>> read;
        try { read = _log.QueryAsync(bounded); }
        catch (Exception e) { read = Task.FromException<IReadOnlyList<AuditEntry>>(e); }
        read.PipeTo(Sender,
            success: entries => new AuditEntries(entries, null, failures),
            failure: e => new AuditEntries([], $"the audit log ({_log.Describe}) could not be read: {e.GetBaseException().Message}", failures));
    }

    private sealed record WriteFailed(AuditEntry Entry, string Error);
}
