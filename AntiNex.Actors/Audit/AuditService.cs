// Node-level audit writer and reader. It subscribes to the ModelCommandAudited notices the entities of this node
// publish and appends each to the audit log; it answers QueryAudit from any member, so a gateway reads the trail
// through the cluster and needs no Redis credentials. A failed write is logged and counted, never retried inline and
// never in a command's way: the entity publishes the notice and answers its caller without waiting for the write.
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
        var budget = ReplyBudget(Context.System);
        read.PipeTo(Sender,
            success: entries => Fitted(entries, failures, budget),
            failure: e => new AuditEntries([], $"the audit log ({_log.Describe}) could not be read: {e.GetBaseException().Message}", failures));
    }

    /// <summary>Bytes of entries one answer carries: half the remote frame (the serializer's envelope and field names
    /// come on top). Entries with long details or certificate subjects would otherwise make a 10,000-entry answer larger
    /// than a frame, and the transport drops it: the caller would only see a timeout.</summary>
    private static long ReplyBudget(ActorSystem system)
        => (system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", null) ?? 128_000) / 2;

    /// <summary>The newest entries that fit <paramref name="budget"/> (at least one).</summary>
    internal static AuditEntries Fitted(IReadOnlyList<AuditEntry> entries, long failures, long budget)
    {
        long used = 0;
        var kept = 0;
        foreach (var e in entries)
        {
            used += System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(e).Length;
            if (used > budget && kept > 0) break;
            kept++;
        }
        return kept == entries.Count ? new AuditEntries(entries, null, failures)
            : new AuditEntries(entries.Take(kept).ToList(), null, failures, Truncated: true);
    }

    private sealed record WriteFailed(AuditEntry Entry, string Error);
}
